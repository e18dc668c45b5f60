//! The one intermediate representation every loader feeds and the emitter reads.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use crate::error::Error;
use crate::schema::Schema;

/// Group, version and kind. `group` is "" for the core group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl fmt::Display for Gvk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}/{}", self.version, self.kind)
        } else {
            write!(f, "{}/{}/{}", self.group, self.version, self.kind)
        }
    }
}

/// Where a resource's Rust type comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeSource {
    /// A named definition (Swagger `definitions`, OpenAPI 3 `components.schemas`).
    Definition(String),
    /// An inline schema (a CRD version's `openAPIV3Schema`).
    Inline(Box<Schema>),
    /// No schema known: the resource is listed in coverage as skipped.
    Missing,
}

/// An `additionalPrinterColumns` entry of a CRD version.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PrinterColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(rename = "jsonPath")]
    pub json_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One REST resource of one group-version.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub gvk: Gvk,
    pub plural: String,
    pub namespaced: bool,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`.
    pub verbs: BTreeSet<String>,
    /// `status`, `scale`, `log`, ... (without the `{path}` of proxy subresources).
    pub subresources: BTreeSet<String>,
    pub types: TypeSource,
    pub printer_columns: Vec<PrinterColumn>,
    /// `kubectl` short names (CRD `names.shortNames`).
    pub short_names: Vec<String>,
    /// The input that defined this resource (a file, or a fixup name).
    pub source: String,
    /// The input kind, used for per-input coverage (`swagger`, `openapi3`, `crd`, `definitions`).
    pub input: InputKind,
}

impl Resource {
    pub fn listable(&self) -> bool {
        self.verbs.contains("list")
    }
}

/// Which loader produced a resource or definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    Swagger,
    OpenApi3,
    Definitions,
    Crd,
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputKind::Swagger => "swagger",
            InputKind::OpenApi3 => "openapi3",
            InputKind::Definitions => "definitions",
            InputKind::Crd => "crds",
        })
    }
}

/// All resources and named definitions from every input.
#[derive(Clone, Debug, Default)]
pub struct Api {
    pub resources: BTreeMap<Gvk, Resource>,
    /// Named schemas, keyed by definition name (`io.k8s.api.core.v1.Pod`, ...).
    pub definitions: BTreeMap<String, Schema>,
    /// Which file each definition came from, for error messages.
    pub definition_files: BTreeMap<String, PathBuf>,
    /// Definition names that came from a Kubernetes spec (Swagger or OpenAPI 3 with paths):
    /// those exist in k8s-openapi. Empty when no Kubernetes spec was given.
    pub kubernetes_definitions: BTreeSet<String>,
    /// The inputs, in the order given, for the DO NOT EDIT line.
    pub inputs: Vec<String>,
    /// Listable GVKs per kind of input, for coverage.
    pub listable_by_input: BTreeMap<InputKind, BTreeSet<Gvk>>,
}

impl Api {
    /// Adds a resource, merging with an earlier one for the same GVK when they agree
    /// (the same Kubernetes API in Swagger and OpenAPI 3) and failing when they do not.
    pub fn add_resource(&mut self, resource: Resource) -> Result<(), Error> {
        if resource.listable() {
            self.listable_by_input
                .entry(resource.input)
                .or_default()
                .insert(resource.gvk.clone());
        }
        let Some(existing) = self.resources.get_mut(&resource.gvk) else {
            self.resources.insert(resource.gvk.clone(), resource);
            return Ok(());
        };
        if existing.plural != resource.plural || existing.namespaced != resource.namespaced {
            return Err(Error::Conflict {
                gvk: resource.gvk.to_string(),
                first: format!(
                    "{} ({}, {})",
                    existing.source,
                    existing.plural,
                    scope_name(existing.namespaced)
                ),
                second: format!(
                    "{} ({}, {})",
                    resource.source,
                    resource.plural,
                    scope_name(resource.namespaced)
                ),
            });
        }
        if existing.input == resource.input && existing.input == InputKind::Crd {
            return Err(Error::DuplicateKind {
                gvk: resource.gvk.to_string(),
                first: existing.source.clone(),
                second: resource.source,
            });
        }
        existing.verbs.extend(resource.verbs);
        existing.subresources.extend(resource.subresources);
        if existing.printer_columns.is_empty() {
            existing.printer_columns = resource.printer_columns;
        }
        if existing.short_names.is_empty() {
            existing.short_names = resource.short_names;
        }
        // A CRD schema is what the server prunes by, so it wins over a definition.
        let prefer_new = matches!(
            (&existing.types, &resource.types),
            (TypeSource::Missing, _) | (TypeSource::Definition(_), TypeSource::Inline(_))
        );
        if prefer_new {
            existing.types = resource.types;
        }
        Ok(())
    }

    /// Adds named definitions from one file. The same name from two files must be
    /// identical (Swagger and OpenAPI 3 of one release agree; a mismatch is a real conflict
    /// only if it changes the type, so differing descriptions are tolerated).
    pub fn add_definitions(
        &mut self,
        file: &std::path::Path,
        definitions: BTreeMap<String, Schema>,
    ) -> Result<(), Error> {
        for (name, schema) in definitions {
            if let Some(existing) = self.definitions.get(&name) {
                if strip_docs(existing) != strip_docs(&schema) {
                    // Later Kubernetes specs are more precise (OpenAPI 3 keeps int32/nullable);
                    // keep the first and move on only if it came from the same family of spec.
                    let first = self
                        .definition_files
                        .get(&name)
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    if !name.starts_with("io.k8s.") {
                        return Err(Error::DuplicateKind {
                            gvk: name,
                            first,
                            second: file.display().to_string(),
                        });
                    }
                }
                continue;
            }
            self.definition_files
                .insert(name.clone(), file.to_path_buf());
            self.definitions.insert(name, schema);
        }
        Ok(())
    }
}

fn strip_docs(schema: &Schema) -> Schema {
    use crate::schema::Ty;
    let ty = match &schema.ty {
        Ty::Object(o) => Ty::Object(crate::schema::Object {
            properties: o
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), strip_docs(v)))
                .collect(),
            required: o.required.clone(),
        }),
        Ty::Array(i) => Ty::Array(Box::new(strip_docs(i))),
        Ty::Map(i) => Ty::Map(Box::new(strip_docs(i))),
        other => other.clone(),
    };
    Schema {
        description: None,
        ty,
        nullable: schema.nullable,
    }
}

pub(crate) fn scope_name(namespaced: bool) -> &'static str {
    if namespaced { "Namespaced" } else { "Cluster" }
}
