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
//! version).

mod reads;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, ItemFn, Lit, LitStr, Meta, Token};

/// The WIT contract the emitted export implements (`package` line of `wit/gatherer.wit`).
const CONTRACT: &str = "wagather:gatherer@0.1.0";

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

struct Manifest {
    name: String,
    version: String,
    reads: Vec<reads::Read>,
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
    let mut read_list: Option<Vec<reads::Read>> = None;
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
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new(lit.span(), "`name` may not be empty"));
                }
                if name.replace(lit.value()).is_some() {
                    return Err(duplicate());
                }
            }
            "version" => {
                let lit = string_value(&nv.value, "version")?;
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new(lit.span(), "`version` may not be empty"));
                }
                if version.replace(lit.value()).is_some() {
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
                let mut list: Vec<reads::Read> = Vec::new();
                for elem in elems {
                    let lit = string_value(elem, "reads")?;
                    let read = reads::parse(&lit.value()).map_err(|msg| {
                        syn::Error::new(lit.span(), format!("invalid read: {msg}"))
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
    Ok(Manifest {
        name: match name {
            Some(name) => name,
            None => package("CARGO_PKG_NAME")?,
        },
        version: match version {
            Some(version) => version,
            None => package("CARGO_PKG_VERSION")?,
        },
        reads,
    })
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

    let json = serde_json::json!({
        "contract": CONTRACT,
        "name": manifest.name,
        "version": manifest.version,
        "reads": manifest.reads.iter().map(reads::Read::to_json).collect::<Vec<_>>(),
    })
    .to_string();
    let bytes = syn::LitByteStr::new(json.as_bytes(), Span::call_site());
    let len = json.len();
    let ident = &function.sig.ident;

    Ok(quote! {
        #function

        /// The gatherer's manifest (JSON), as embedded in the component.
        #[doc(hidden)]
        pub const __WAGATHER_MANIFEST: &str = #json;

        // The manifest as the custom section the host reads before instantiating.
        #[cfg(target_arch = "wasm32")]
        #[doc(hidden)]
        #[allow(
            unsafe_code,
            reason = "a custom section is a `link_section` static, which Rust marks unsafe"
        )]
        #[unsafe(link_section = "wagather-manifest")]
        #[used]
        static __WAGATHER_MANIFEST_SECTION: [u8; #len] = *#bytes;

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
                ) -> ::wagather_sdk::bindings::GatherOutput {
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

#[cfg(test)]
mod tests {
    #[test]
    fn contract_is_the_wit_package() {
        let wit =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../wit/gatherer.wit"))
                .unwrap();
        let package = wit
            .lines()
            .find_map(|l| l.trim().strip_prefix("package "))
            .unwrap();
        assert_eq!(package.trim_end_matches(';'), super::CONTRACT);
    }
}
