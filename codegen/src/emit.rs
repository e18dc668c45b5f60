//! IR -> Rust: one module per group-version.
//!
//! Kubernetes kinds reuse k8s-openapi's types, so their modules only hold
//! `impl Resource` and accessors. Other kinds get structs generated from their
//! schema, with the SDK's lean `meta::ObjectMeta` (timestamps kept as text)
//! wherever the schema has Kubernetes' `ObjectMeta`. Every module is
//! self-contained (it names other crates by absolute paths and never `use`s
//! them), so each can sit behind its own Cargo feature.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use proc_macro2::TokenStream;
use quote::quote;

use crate::error::Error;
use crate::ir::{Api, Gvk, Resource, TypeSource};
use crate::names;
use crate::schema::{Object, Schema, Ty};

/// Where the generated modules live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Inside wagather-sdk (`sdk/src/apis`): `crate::` paths, `impl Resource` directly on
    /// k8s-openapi types.
    Sdk,
    /// A separate crate depending on wagather-sdk. Rust's orphan rule forbids implementing
    /// the SDK's trait for k8s-openapi's types there, so Kubernetes kinds get a
    /// `#[serde(transparent)]` newtype.
    Standalone,
}

/// One generated module.
#[derive(Debug)]
pub struct Module {
    /// `core_v1`, `config_v1`, ...; also the Cargo feature name.
    pub name: String,
    pub group: String,
    pub version: String,
    /// prettyplease-formatted source, without the DO NOT EDIT header.
    pub source: String,
}

/// What was generated and what was skipped.
#[derive(Debug, Default)]
pub struct Generated {
    pub modules: Vec<Module>,
    /// Resources that got a type and an accessor.
    pub generated: BTreeSet<Gvk>,
    /// Listable resources that did not, with the reason.
    pub skipped: BTreeMap<Gvk, String>,
}

/// How a resource's Rust type is produced.
enum KindType {
    /// A k8s-openapi type path, e.g. `::k8s_openapi::api::core::v1::Pod`.
    External(TokenStream),
    /// A generated struct from this schema (an object).
    Generated(Schema),
}

/// Generates every module for the listable resources of `api`.
pub fn generate(api: &Api, mode: Mode) -> Result<Generated, Error> {
    let mut out = Generated::default();
    let groups: BTreeSet<String> = api.resources.keys().map(|g| g.group.clone()).collect();
    let bases = names::module_bases(&groups);
    let mut by_module: BTreeMap<String, Vec<(&Resource, KindType)>> = BTreeMap::new();
    for resource in api.resources.values() {
        if !resource.listable() {
            continue;
        }
        let kind_type = match resolve_kind_type(api, resource) {
            Ok(t) => t,
            Err(reason) => {
                out.skipped.insert(resource.gvk.clone(), reason);
                continue;
            }
        };
        let module = format!(
            "{}_{}",
            bases[&resource.gvk.group],
            resource.gvk.version.replace(['-', '.'], "_")
        );
        by_module
            .entry(module)
            .or_default()
            .push((resource, kind_type));
    }
    for (name, resources) in by_module {
        let group = resources[0].0.gvk.group.clone();
        let version = resources[0].0.gvk.version.clone();
        let mut module = ModuleGen::new(api, mode);
        let tokens = module.module(&resources)?;
        out.generated
            .extend(resources.iter().map(|(r, _)| r.gvk.clone()));
        let file: syn::File = syn::parse2(tokens).map_err(|e| Error::Invalid {
            path: name.clone().into(),
            pointer: String::new(),
            message: format!("generated code does not parse: {e}"),
        })?;
        out.modules.push(Module {
            name,
            group,
            version,
            source: prettyplease::unparse(&file),
        });
    }
    Ok(out)
}

fn resolve_kind_type(api: &Api, resource: &Resource) -> Result<KindType, String> {
    match &resource.types {
        TypeSource::Missing => Err(format!(
            "{}: no schema for the kind (no definition with this group-version-kind)",
            resource.source
        )),
        TypeSource::Inline(schema) => Ok(KindType::Generated((**schema).clone())),
        TypeSource::Definition(name) => {
            if is_external(api, name) {
                return Ok(KindType::External(k8s_openapi_path(name)));
            }
            match api.definitions.get(name) {
                Some(schema) => Ok(KindType::Generated(schema.clone())),
                None => Err(format!("{}: definition {name} not found", resource.source)),
            }
        }
    }
}

/// Whether a definition is a k8s-openapi type: an `io.k8s.*` name that the Kubernetes
/// spec in the inputs defines (k8s-openapi is generated from that spec), or any `io.k8s.*`
/// name when no Kubernetes spec was given.
fn is_external(api: &Api, name: &str) -> bool {
    name.starts_with("io.k8s.")
        && (api.kubernetes_definitions.is_empty() || api.kubernetes_definitions.contains(name))
}

/// `io.k8s.api.apps.v1.Deployment` -> `::k8s_openapi::api::apps::v1::Deployment`, the
/// naming k8s-openapi's own generator uses.
fn k8s_openapi_path(name: &str) -> TokenStream {
    let rest = name.strip_prefix("io.k8s.").unwrap_or(name);
    let segments = rest.split('.').map(|s| names::ident(&s.replace('-', "_")));
    quote!(::k8s_openapi #(:: #segments)*)
}

/// Kubernetes' object metadata definition: generated structs use the SDK's lean
/// `meta::ObjectMeta` for it (timestamps kept as text), not k8s-openapi's.
const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// Kubernetes' timestamp definitions: generated structs use the SDK's `meta::Time` (the
/// server's text, kept as is) for them, so no generated kind links a date-time parser.
const TIMES: [&str; 2] = [
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
];

/// Doc attributes for a description.
///
/// API descriptions are prose, not Markdown, so they are adjusted to read the same in
/// rustdoc: lines are trimmed (rustdoc would compile indented text as a doctest), code
/// fences are neutralized for the same reason, tabs become spaces, and lines continuing a
/// list item are indented under it.
fn docs(description: Option<&str>) -> TokenStream {
    let Some(text) = description else {
        return TokenStream::new();
    };
    // Width of the current list item's marker: continuation lines are indented by it.
    let mut item_indent = 0;
    let lines = text.lines().map(|line| {
        let line = line.trim().replace("```", "'''").replace('\t', " ");
        let indent = if line.is_empty() {
            item_indent = 0;
            0
        } else if let Some(width) = list_marker_width(&line) {
            item_indent = width;
            0
        } else {
            item_indent
        };
        format!(" {:indent$}{line}", "")
    });
    quote!(#(#[doc = #lines])*)
}

/// For the start of a Markdown list item (`- x`, `* x`, `+ x`, `1. x`, `1) x`), the width
/// of its marker including the space.
fn list_marker_width(line: &str) -> Option<usize> {
    if line.starts_with("- ") || line.starts_with("* ") || line.starts_with("+ ") {
        return Some(2);
    }
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    (digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
        .then_some(digits + 2)
}

struct ModuleGen<'a> {
    api: &'a Api,
    mode: Mode,
    sdk: TokenStream,
    items: Vec<TokenStream>,
    /// Type names already used in the module.
    taken: HashSet<String>,
    /// Rust name of each definition emitted as a struct.
    definitions: HashMap<String, String>,
    /// Structs whose fields are being generated: a direct reference back to one needs a Box.
    in_progress: HashSet<String>,
    /// Inline structs by the key of their fields, to share identical shapes.
    shapes: HashMap<String, String>,
}

impl<'a> ModuleGen<'a> {
    fn new(api: &'a Api, mode: Mode) -> Self {
        let sdk = match mode {
            Mode::Sdk => quote!(crate),
            Mode::Standalone => quote!(::wagather_sdk),
        };
        ModuleGen {
            api,
            mode,
            sdk,
            items: Vec::new(),
            taken: HashSet::new(),
            definitions: HashMap::new(),
            in_progress: HashSet::new(),
            shapes: HashMap::new(),
        }
    }

    /// The SDK's lean `ObjectMeta`, as this module names it.
    fn object_meta(&self) -> TokenStream {
        let sdk = &self.sdk;
        quote!(#sdk::meta::ObjectMeta)
    }

    fn claim(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_owned();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn module(&mut self, resources: &[(&Resource, KindType)]) -> Result<TokenStream, Error> {
        // Kinds claim their names first, so nested types never take a kind's name.
        for (r, _) in resources {
            self.taken.insert(r.gvk.kind.clone());
        }
        let mut accessors = Vec::new();
        let mut accessor_names: BTreeMap<String, Gvk> = BTreeMap::new();
        let mut has_logs = false;
        for (resource, kind_type) in resources {
            let kind = names::ident(&resource.gvk.kind);
            let (ty_path, metadata, meta) = match kind_type {
                KindType::External(path) => match self.mode {
                    Mode::Sdk => {
                        self.items.push(quote!(pub use #path;));
                        (
                            quote!(#path),
                            quote!(&self.metadata),
                            k8s_openapi_path(OBJECT_META),
                        )
                    }
                    Mode::Standalone => {
                        let doc = format!(" `{}` (k8s-openapi's type, wrapped).", resource.gvk);
                        self.items.push(quote! {
                            #[doc = #doc]
                            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
                            #[serde(transparent)]
                            pub struct #kind(pub #path);
                        });
                        (
                            quote!(#kind),
                            quote!(&self.0.metadata),
                            k8s_openapi_path(OBJECT_META),
                        )
                    }
                },
                KindType::Generated(schema) => {
                    self.kind_struct(resource, schema)?;
                    (quote!(#kind), quote!(&self.metadata), self.object_meta())
                }
            };
            let sdk = &self.sdk;
            let (group, version, kind_str, plural) = (
                &resource.gvk.group,
                &resource.gvk.version,
                &resource.gvk.kind,
                &resource.plural,
            );
            let scope = if resource.namespaced {
                quote!(#sdk::scope::Namespaced)
            } else {
                quote!(#sdk::scope::Cluster)
            };
            self.items.push(quote! {
                impl #sdk::Resource for #ty_path {
                    const GROUP: &'static str = #group;
                    const VERSION: &'static str = #version;
                    const KIND: &'static str = #kind_str;
                    const PLURAL: &'static str = #plural;
                    type Scope = #scope;
                    type Metadata = #meta;
                    fn metadata(&self) -> &Self::Metadata {
                        #metadata
                    }
                }
            });
            let accessor_name = names::accessor(kind_str, plural);
            if let Some(other) = accessor_names.insert(accessor_name.clone(), resource.gvk.clone())
            {
                return Err(Error::Conflict {
                    gvk: resource.gvk.to_string(),
                    first: format!("accessor {accessor_name}() of {other}"),
                    second: format!("accessor {accessor_name}() of {}", resource.gvk),
                });
            }
            let accessor = names::ident(&accessor_name);
            let doc = format!(
                " `{}` ({}, {}).",
                if group.is_empty() {
                    format!("{version}/{plural}")
                } else {
                    format!("{group}/{version}/{plural}")
                },
                kind_str,
                if resource.namespaced {
                    "namespaced"
                } else {
                    "cluster-scoped"
                }
            );
            accessors.push(quote! {
                #[doc = #doc]
                pub fn #accessor() -> #sdk::Client<#ty_path> {
                    #sdk::Client::new()
                }
            });
            if resource.subresources.contains("log")
                && resource.namespaced
                && self.mode == Mode::Sdk
            {
                has_logs = true;
                self.items.push(logs_impl(&ty_path));
            }
        }
        if has_logs {
            self.items.push(log_params());
        }
        let items = &self.items;
        Ok(quote! {
            #(#accessors)*
            #(#items)*
        })
    }

    fn kind_struct(&mut self, resource: &Resource, schema: &Schema) -> Result<(), Error> {
        let name = resource.gvk.kind.clone();
        let kind_ident = names::ident(&name);
        let schema = self.deref_schema(schema)?;
        let object = match &schema.ty {
            Ty::Object(o) => o.clone(),
            _ => Object::default(),
        };
        // A kind whose schema is not an object of known fields keeps all of its content.
        let catch_all = !matches!(schema.ty, Ty::Object(_));
        self.in_progress.insert(name.clone());
        let meta = self.object_meta();
        let default_api_version = format!("default_api_version::<{name}>");
        let default_kind = format!("default_kind::<{name}>");
        let mut fields = vec![
            quote! {
                #[doc = " APIVersion of the object; absent on input means this resource's."]
                #[serde(rename = "apiVersion", default = #default_api_version)]
                pub api_version: ::std::string::String,
            },
            quote! {
                #[doc = " Kind of the object; absent on input means this resource's."]
                #[serde(default = #default_kind)]
                pub kind: ::std::string::String,
            },
            quote! {
                #[doc = " Standard object metadata."]
                #[serde(default)]
                pub metadata: #meta,
            },
        ];
        let mut used: HashSet<String> = ["api_version", "kind", "metadata"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        for (json, prop) in &object.properties {
            if matches!(json.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            let (doc, field) =
                self.field(&name, json, prop, object.required.contains(json), &mut used)?;
            fields.push(quote!(#doc #field));
        }
        if catch_all {
            fields.push(quote! {
                #[doc = " Every other field of the object (the schema does not list them)."]
                #[serde(flatten)]
                pub fields: ::std::collections::BTreeMap<::std::string::String, ::serde_json::Value>,
            });
        }
        self.in_progress.remove(&name);
        let doc = docs(schema.description.as_deref());
        self.items.push(quote! {
            #doc
            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct #kind_ident {
                #(#fields)*
            }
        });
        self.ensure_defaults();
        Ok(())
    }

    /// The serde default functions for `apiVersion` and `kind`, once per module.
    fn ensure_defaults(&mut self) {
        if !self.taken.insert("__defaults".to_owned()) {
            return;
        }
        let sdk = &self.sdk;
        self.items.push(quote! {
            fn default_api_version<K: #sdk::Resource>() -> ::std::string::String {
                #sdk::resource::api_version::<K>()
            }
            fn default_kind<K: #sdk::Resource>() -> ::std::string::String {
                ::std::string::ToString::to_string(K::KIND)
            }
        });
    }

    /// Follows a top-level `$ref` (a kind defined as a reference to another definition).
    fn deref_schema(&self, schema: &Schema) -> Result<Schema, Error> {
        let mut current = schema.clone();
        for _ in 0..16 {
            let Ty::Ref(name) = &current.ty else {
                return Ok(current);
            };
            current = self.definition(name)?.clone();
        }
        Ok(current)
    }

    fn definition(&self, name: &str) -> Result<&'a Schema, Error> {
        self.api
            .definitions
            .get(name)
            .ok_or_else(|| Error::DanglingRef {
                path: "<all inputs>".into(),
                pointer: "/definitions".into(),
                target: name.to_owned(),
            })
    }

    fn field(
        &mut self,
        parent: &str,
        json: &str,
        prop: &Schema,
        required: bool,
        used: &mut HashSet<String>,
    ) -> Result<(TokenStream, TokenStream), Error> {
        let mut field = names::field_name(json);
        let base = field.clone();
        let mut n = 2;
        while !used.insert(field.clone()) {
            field = format!("{base}_{n}");
            n += 1;
        }
        let ident = names::ident(&field);
        let hint = format!("{parent}{}", names::type_name(json));
        let ty = self.ty(prop, &hint, true)?;
        let doc = docs(prop.description.as_deref());
        let rename = if ident.to_string().trim_start_matches("r#") != json {
            quote!(#[serde(rename = #json)])
        } else {
            TokenStream::new()
        };
        let any = matches!(prop.ty, Ty::Any);
        let nullable = prop.nullable && !any;
        let field = match (required, nullable, any) {
            (true, false, _) => quote! {
                #rename
                pub #ident: #ty,
            },
            // Required but nullable: `None` is `null`, written back as `null`.
            (true, true, _) => quote! {
                #rename
                pub #ident: ::std::option::Option<#ty>,
            },
            (false, false, false) => quote! {
                #rename
                #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                pub #ident: ::std::option::Option<#ty>,
            },
            // Optional and untyped: absent is `None`, `null` is `Some(Value::Null)`.
            (false, _, true) => {
                self.ensure_present();
                quote! {
                        #rename
                    #[serde(default, deserialize_with = "present", skip_serializing_if = "::std::option::Option::is_none")]
                    pub #ident: ::std::option::Option<#ty>,
                }
            }
            // Optional and nullable: absent is `None`, `null` is `Some(None)`.
            (false, true, false) => {
                self.ensure_present();
                quote! {
                        #rename
                    #[serde(default, deserialize_with = "present", skip_serializing_if = "::std::option::Option::is_none")]
                    pub #ident: ::std::option::Option<::std::option::Option<#ty>>,
                }
            }
        };
        Ok((doc, field))
    }

    /// The deserializer that tells a present field (even `null`) from an absent one, once per module.
    fn ensure_present(&mut self) {
        if !self.taken.insert("__present".to_owned()) {
            return;
        }
        self.items.push(quote! {
            /// Deserializes a field that is present (possibly `null`) as `Some`; serde's
            /// `default` makes an absent field `None`.
            fn present<'de, D, T>(deserializer: D) -> ::std::result::Result<::std::option::Option<T>, D::Error>
            where
                D: ::serde::Deserializer<'de>,
                T: ::serde::Deserialize<'de>,
            {
                <T as ::serde::Deserialize>::deserialize(deserializer).map(::std::option::Option::Some)
            }
        });
    }

    /// The Rust type of a schema. `direct` is true when the value is stored inline in its
    /// parent struct (not behind a Vec or map), where a cycle needs a Box.
    fn ty(&mut self, schema: &Schema, hint: &str, direct: bool) -> Result<TokenStream, Error> {
        Ok(match &schema.ty {
            Ty::Ref(name) => {
                if name == OBJECT_META {
                    return Ok(self.object_meta());
                }
                if TIMES.contains(&name.as_str()) {
                    let sdk = &self.sdk;
                    return Ok(quote!(#sdk::meta::Time));
                }
                if is_external(self.api, name) {
                    return Ok(k8s_openapi_path(name));
                }
                let def = self.definition(name)?;
                match &def.ty {
                    Ty::Object(object) => {
                        let rust = match self.definitions.get(name) {
                            Some(rust) => rust.clone(),
                            None => {
                                let short = name.rsplit('.').next().unwrap_or(name);
                                let wanted = names::type_name(short);
                                let rust = if self.taken.contains(&wanted) {
                                    self.claim(&names::type_name(name))
                                } else {
                                    self.claim(&wanted)
                                };
                                self.definitions.insert(name.clone(), rust.clone());
                                self.object_struct(&rust, def.description.as_deref(), object)?;
                                rust
                            }
                        };
                        let ident = names::ident(&rust);
                        if direct && self.in_progress.contains(&rust) {
                            quote!(::std::boxed::Box<#ident>)
                        } else {
                            quote!(#ident)
                        }
                    }
                    // Aliases of scalars, arrays and maps are inlined.
                    _ => {
                        let def = def.clone();
                        let short = name.rsplit('.').next().unwrap_or(name);
                        self.ty(&def, &names::type_name(short), direct)?
                    }
                }
            }
            Ty::Object(object) => {
                let rust = self.inline_struct(hint, schema.description.as_deref(), object)?;
                let ident = names::ident(&rust);
                quote!(#ident)
            }
            Ty::Array(item) => {
                let inner = self.ty(item, hint, false)?;
                quote!(::std::vec::Vec<#inner>)
            }
            Ty::Map(value) => {
                let inner = self.ty(value, hint, false)?;
                quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
            }
            Ty::String => quote!(::std::string::String),
            Ty::Boolean => quote!(bool),
            Ty::Integer { int32: true } => quote!(i32),
            Ty::Integer { int32: false } => quote!(i64),
            Ty::Number => quote!(::serde_json::Number),
            Ty::IntOrString => {
                quote!(::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString)
            }
            Ty::Any => quote!(::serde_json::Value),
        })
    }

    fn object_struct(
        &mut self,
        rust: &str,
        description: Option<&str>,
        object: &Object,
    ) -> Result<(), Error> {
        self.in_progress.insert(rust.to_owned());
        let (fields, _) = self.struct_fields(rust, object)?;
        self.in_progress.remove(rust);
        self.push_struct(rust, description, &fields);
        Ok(())
    }

    /// An inline (unnamed) object: a struct named `hint`, or an earlier struct of this
    /// module with exactly the same fields. CRD schemas repeat shapes (conditions,
    /// references, selectors) many times; sharing them keeps the generated code, and so
    /// the SDK's compile time, smaller.
    fn inline_struct(
        &mut self,
        hint: &str,
        description: Option<&str>,
        object: &Object,
    ) -> Result<String, Error> {
        let (fields, key) = self.struct_fields(hint, object)?;
        if let Some(existing) = self.shapes.get(&key) {
            return Ok(existing.clone());
        }
        let rust = self.claim(hint);
        self.shapes.insert(key, rust.clone());
        self.push_struct(&rust, description, &fields);
        Ok(rust)
    }

    /// The fields of a struct, and a key that is equal for structs with the same fields
    /// (names, types, serde attributes; docs ignored).
    fn struct_fields(
        &mut self,
        parent: &str,
        object: &Object,
    ) -> Result<(Vec<TokenStream>, String), Error> {
        let mut used = HashSet::new();
        let mut fields = Vec::new();
        let mut key = String::new();
        for (json, prop) in &object.properties {
            let (doc, field) = self.field(
                parent,
                json,
                prop,
                object.required.contains(json),
                &mut used,
            )?;
            key.push_str(&field.to_string());
            fields.push(quote!(#doc #field));
        }
        Ok((fields, key))
    }

    fn push_struct(&mut self, rust: &str, description: Option<&str>, fields: &[TokenStream]) {
        let ident = names::ident(rust);
        let doc = docs(description);
        self.items.push(quote! {
            #doc
            #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
            pub struct #ident {
                #(#fields)*
            }
        });
    }
}

/// `logs` on a namespaced resource with a `log` subresource (Pods).
fn logs_impl(ty: &TokenStream) -> TokenStream {
    quote! {
        impl crate::InNamespace<#ty> {
            /// Reads the log of the object named `name` (`GET .../{name}/log`), as text.
            pub fn logs(&self, name: &str, params: &LogParams) -> crate::Result<::std::string::String> {
                let mut path = crate::request::object_path::<#ty>(
                    crate::request::Target::Namespace(self.namespace()),
                    name,
                )?;
                path.push_str("/log");
                let query = params.query();
                if !query.is_empty() {
                    path.push('?');
                    path.push_str(&query);
                }
                let request = crate::request::Request {
                    method: ::std::string::ToString::to_string("GET"),
                    path_and_query: path.clone(),
                    headers: ::std::vec![(
                        ::std::string::ToString::to_string("Accept"),
                        ::std::string::ToString::to_string("text/plain"),
                    )],
                    body: ::std::option::Option::None,
                };
                let response = crate::transport::send(&request)?;
                if !(200..300).contains(&response.status) {
                    return ::std::result::Result::Err(crate::Error::Api {
                        status: crate::Status::from_response(response.status, &response.body),
                        path,
                    });
                }
                ::std::result::Result::Ok(::std::string::String::from_utf8_lossy(&response.body).into_owned())
            }
        }
    }
}

fn log_params() -> TokenStream {
    quote! {
        /// Parameters of a log read (`GET .../pods/{name}/log`).
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct LogParams {
            /// The container to read; required when the pod has more than one.
            pub container: ::std::option::Option<::std::string::String>,
            /// Only the last N lines.
            pub tail_lines: ::std::option::Option<i64>,
            /// Only lines newer than this many seconds.
            pub since_seconds: ::std::option::Option<i64>,
            /// The previous (terminated) instance of the container.
            pub previous: bool,
        }

        impl LogParams {
            /// The query string (without `?`), keys in the API's spelling.
            pub fn query(&self) -> ::std::string::String {
                let mut query = ::form_urlencoded::Serializer::new(::std::string::String::new());
                if let ::std::option::Option::Some(container) = &self.container {
                    query.append_pair("container", container);
                }
                if let ::std::option::Option::Some(lines) = self.tail_lines {
                    query.append_pair("tailLines", &lines.to_string());
                }
                if let ::std::option::Option::Some(seconds) = self.since_seconds {
                    query.append_pair("sinceSeconds", &seconds.to_string());
                }
                if self.previous {
                    query.append_pair("previous", "true");
                }
                query.finish()
            }
        }
    }
}
