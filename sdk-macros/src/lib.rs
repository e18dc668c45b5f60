//! The `#[gatherer]` attribute for wagather guests.
//!
//! ```text
//! #[gatherer(reads = ["config.openshift.io/v1/clusteroperators"])]
//! fn gather(ctx: &mut Gather) -> Result<()> { ... }
//! ```
//!
//! It keeps the function and adds:
//! - on `wasm32`: the component's `gather` export (through the SDK's wit-bindgen export macro),
//!   which runs the function and returns its records and errors;
//! - on `wasm32`: the manifest as the custom section `wagather-manifest`, which the host reads
//!   before instantiating to learn the gatherer's name, version and what it may read;
//! - on other targets: `__wagather_run(config) -> wagather_sdk::Output`, to run the gatherer
//!   in-process in unit tests;
//! - on every target: `__WAGATHER_MANIFEST: &str`, the manifest JSON.
//!
//! Attribute keys: `reads = ["[group/]version/resource[/subresource][ in ns1,ns2]", ...]`
//! (required), `name = "..."` and `version = "..."` (default: the crate's package name and
//! version). The reads are parsed and the manifest is written by `wagather-contract`, the
//! same code the host reads it back with.
//!
//! `manifest!(reads = [...], name = "...", version = "...")` embeds only the manifest, for a
//! component that implements the export itself (with plain wit-bindgen, say).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, ItemFn, Lit, LitStr, Meta, Token};
use wagather_contract::manifest::{check_name, check_version};
use wagather_contract::{MANIFEST_SECTION, Manifest, ReadRule, ReadRuleError};

/// Exports `fn gather(ctx: &mut Gather) -> Result<()>` as a wagather gatherer and embeds its
/// manifest. See the crate documentation.
#[proc_macro_attribute]
pub fn gatherer(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(attr as Args);
    let function = syn::parse_macro_input!(item as ItemFn);
    expand(args, function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Embeds a manifest without exporting anything: `manifest!(reads = [...])`, with the same
/// keys as `#[gatherer]`. For components that implement the `gather` export themselves.
#[proc_macro]
pub fn manifest(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    parse_manifest(args)
        .map(|manifest| manifest_tokens(&manifest))
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

struct Args {
    metas: Punctuated<Meta, Token![,]>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        Ok(Args {
            metas: Punctuated::parse_terminated(input)?,
        })
    }
}

fn string_value(expr: &Expr, key: &str) -> syn::Result<LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.clone()),
        other => Err(syn::Error::new(
            other.span(),
            format!("`{key}` takes a string literal"),
        )),
    }
}

fn parse_manifest(args: Args) -> syn::Result<Manifest> {
    let mut name = None;
    let mut version = None;
    let mut contract = None;
    let mut read_list: Option<Vec<ReadRule>> = None;
    for meta in args.metas {
        let Meta::NameValue(nv) = &meta else {
            return Err(syn::Error::new(
                meta.span(),
                "expected `key = value`; keys are `reads`, `name` and `version`",
            ));
        };
        let key = nv
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let duplicate = || syn::Error::new(nv.path.span(), format!("`{key}` is given twice"));
        match key.as_str() {
            "name" => {
                let lit = string_value(&nv.value, "name")?;
                check_name(&lit.value()).map_err(|e| syn::Error::new(lit.span(), e))?;
                if name.replace(lit.value()).is_some() {
                    return Err(duplicate());
                }
            }
            "version" => {
                let lit = string_value(&nv.value, "version")?;
                check_version(&lit.value()).map_err(|e| syn::Error::new(lit.span(), e))?;
                if version.replace(lit.value()).is_some() {
                    return Err(duplicate());
                }
            }
            // Undocumented: the contract a manifest names, for test components that stand for
            // a gatherer built against another contract version.
            "contract" => {
                let lit = string_value(&nv.value, "contract")?;
                if contract.replace(lit.value()).is_some() {
                    return Err(duplicate());
                }
            }
            "reads" => {
                let Expr::Array(ExprArray { elems, .. }) = &nv.value else {
                    return Err(syn::Error::new(
                        nv.value.span(),
                        "`reads` takes an array of strings: reads = [\"v1/nodes\", ...]",
                    ));
                };
                let mut list: Vec<ReadRule> = Vec::new();
                for elem in elems {
                    let lit = string_value(elem, "reads")?;
                    let read: ReadRule = lit.value().parse().map_err(|e: ReadRuleError| {
                        syn::Error::new(lit.span(), format!("invalid read: {}", e.reason))
                    })?;
                    if list.contains(&read) {
                        return Err(syn::Error::new(lit.span(), "this read is declared twice"));
                    }
                    list.push(read);
                }
                if read_list.replace(list).is_some() {
                    return Err(duplicate());
                }
            }
            _ => {
                return Err(syn::Error::new(
                    nv.path.span(),
                    "unknown key; keys are `reads`, `name` and `version`",
                ));
            }
        }
    }
    let package = |var: &str| {
        std::env::var(var).map_err(|_| {
            syn::Error::new(
                Span::call_site(),
                format!("{var} is not set (not built by cargo?); give it in the attribute"),
            )
        })
    };
    let Some(reads) = read_list else {
        return Err(syn::Error::new(
            Span::call_site(),
            "missing `reads = [...]`: a gatherer declares what it reads (`reads = []` reads nothing)",
        ));
    };
    let name = match name {
        Some(name) => name,
        None => package("CARGO_PKG_NAME")?,
    };
    let version = match version {
        Some(version) => version,
        None => package("CARGO_PKG_VERSION")?,
    };
    let mut manifest = Manifest::new(name, version, reads);
    if let Some(contract) = contract {
        manifest.contract = contract;
    }
    Ok(manifest)
}

/// The manifest as a constant and, on wasm32, as the custom section the host reads before
/// instantiating.
fn manifest_tokens(manifest: &Manifest) -> TokenStream2 {
    let json = manifest.to_json();
    let bytes = syn::LitByteStr::new(json.as_bytes(), Span::call_site());
    let len = json.len();
    let section = MANIFEST_SECTION;
    quote! {
        /// The gatherer's manifest (JSON), as embedded in the component.
        #[doc(hidden)]
        pub const __WAGATHER_MANIFEST: &str = #json;

        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        #[allow(
            unsafe_code,
            reason = "a custom section is a `link_section` static, which Rust marks unsafe"
        )]
        #[unsafe(link_section = #section)]
        #[used]
        static __WAGATHER_MANIFEST_SECTION: [u8; #len] = *#bytes;
    }
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let expected = "expected `fn gather(ctx: &mut Gather) -> Result<()>`";
    if let Some(asyncness) = &sig.asyncness {
        return Err(syn::Error::new(
            asyncness.span(),
            "a gatherer cannot be async: requests to the host are synchronous",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        return Err(syn::Error::new(
            unsafety.span(),
            "a gatherer cannot be unsafe",
        ));
    }
    if let Some(abi) = &sig.abi {
        return Err(syn::Error::new(
            abi.span(),
            "a gatherer cannot declare an ABI",
        ));
    }
    if sig.constness.is_some() {
        return Err(syn::Error::new(
            sig.constness.span(),
            "a gatherer cannot be const",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(
            sig.generics.span(),
            format!("a gatherer cannot be generic; {expected}"),
        ));
    }
    if sig.inputs.len() != 1 {
        return Err(syn::Error::new(
            sig.inputs.span(),
            format!("a gatherer takes exactly one argument; {expected}"),
        ));
    }
    match &sig.inputs[0] {
        syn::FnArg::Typed(arg) if matches!(&*arg.ty, syn::Type::Reference(r) if r.mutability.is_some()) =>
            {}
        other => {
            return Err(syn::Error::new(
                other.span(),
                format!("the argument must be `&mut Gather`; {expected}"),
            ));
        }
    }
    if let syn::ReturnType::Default = sig.output {
        return Err(syn::Error::new(
            sig.ident.span(),
            format!("a gatherer returns `Result<()>`; {expected}"),
        ));
    }
    Ok(())
}

fn expand(args: Args, function: ItemFn) -> syn::Result<TokenStream2> {
    let manifest = parse_manifest(args)?;
    check_signature(&function)?;

    let manifest = manifest_tokens(&manifest);
    let ident = &function.sig.ident;

    Ok(quote! {
        #function

        #manifest

        #[cfg(target_arch = "wasm32")]
        #[allow(
            unsafe_code,
            reason = "the component export is wit-bindgen glue that uses the canonical ABI"
        )]
        const _: () = {
            struct __WagatherGatherer;

            impl ::wagather_sdk::bindings::Guest for __WagatherGatherer {
                fn gather(
                    config: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
                ) -> ::std::result::Result<(), ::wagather_sdk::bindings::GatherError> {
                    ::wagather_sdk::__private::run_exported(config, #ident)
                }
            }

            ::wagather_sdk::bindings::export!(__WagatherGatherer with_types_in ::wagather_sdk::bindings);
        };

        /// Runs the gatherer in-process with `config`, against the transport installed on this
        /// thread (see `wagather_sdk::testing`).
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        pub fn __wagather_run(
            config: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
        ) -> ::wagather_sdk::Output {
            ::wagather_sdk::__private::run(config, #ident)
        }
    })
}
