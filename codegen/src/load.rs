//! Spec loaders: each reads one kind of input and adds resources and definitions to the [`Api`].
//!
//! Nothing here assumes the bundled files: any Swagger 2.0 document with Kubernetes-style
//! paths, any OpenAPI 3 group-version document, any definitions-only Swagger document and
//! any directory of CRD manifests is accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, pointer_segment};
use crate::ir::{Api, Gvk, InputKind, PrinterColumn, Resource, TypeSource};
use crate::schema::{Parser, RefStyle, Schema};

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_json(path: &Path) -> Result<Value, Error> {
    let text = read(path)?;
    serde_json::from_str(&text).map_err(|e| Error::Parse {
        path: path.to_path_buf(),
        format: "JSON",
        message: e.to_string(),
    })
}

/// Files under `dir` (recursively, sorted so output is deterministic) whose extension is one of `exts`.
/// A plain file is returned as is.
fn files_under(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, Error> {
    let meta = std::fs::metadata(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| Error::Io {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Io {
                path: d.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.contains(&e))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Checks that every `$ref` with `prefix` names one of `names`, reporting the first dangling one.
fn check_refs(
    file: &Path,
    value: &Value,
    pointer: &mut String,
    prefix: &str,
    names: &BTreeSet<&str>,
) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&pointer_segment(key));
                if key == "$ref"
                    && let Some(target) = child.as_str()
                    && let Some(name) = target.strip_prefix(prefix)
                    && !names.contains(name)
                {
                    return Err(Error::DanglingRef {
                        path: file.to_path_buf(),
                        pointer: pointer.clone(),
                        target: target.to_owned(),
                    });
                }
                check_refs(file, child, pointer, prefix, names)?;
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                check_refs(file, child, pointer, prefix, names)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

fn parse_definitions(
    file: &Path,
    defs: &Value,
    pointer: &str,
    refs: RefStyle,
) -> Result<BTreeMap<String, Schema>, Error> {
    let Some(map) = defs.as_object() else {
        return Err(Error::invalid(
            file,
            pointer,
            "expected an object of schemas",
        ));
    };
    let parser = Parser { file, refs };
    let mut out = BTreeMap::new();
    for (name, schema) in map {
        let p = format!("{pointer}/{}", pointer_segment(name));
        out.insert(name.clone(), parser.parse(schema, &p)?);
    }
    Ok(out)
}

/// Loads a Swagger 2.0 document with Kubernetes-style paths (`/api/v1/...`, `/apis/g/v/...`).
pub fn swagger(api: &mut Api, file: &Path) -> Result<(), Error> {
    let doc = read_json(file)?;
    if doc.get("swagger").and_then(Value::as_str) != Some("2.0") {
        return Err(Error::UnknownFormat {
            path: file.to_path_buf(),
            message: "expected a Swagger 2.0 document (\"swagger\": \"2.0\")".into(),
        });
    }
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Err(Error::UnknownFormat {
            path: file.to_path_buf(),
            message:
                "Swagger document has no paths; pass definitions-only documents with --definitions"
                    .into(),
        });
    };
    let defs = doc
        .get("definitions")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let names: BTreeSet<&str> = defs
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    check_refs(file, &doc, &mut String::new(), "#/definitions/", &names)?;
    let definitions = parse_definitions(file, &defs, "/definitions", RefStyle::Definitions)?;
    let gvk_defs = gvk_definitions(file, &defs, "/definitions")?;
    api.kubernetes_definitions
        .extend(definitions.keys().cloned());
    api.add_definitions(file, definitions)?;
    paths_to_resources(api, file, paths, &gvk_defs, InputKind::Swagger)?;
    api.inputs.push(file.display().to_string());
    Ok(())
}

/// Loads OpenAPI 3 documents (a file, or every `.json` under a directory): one per group-version.
pub fn openapi3(api: &mut Api, path: &Path) -> Result<(), Error> {
    for file in files_under(path, &["json"])? {
        let doc = read_json(&file)?;
        if !doc
            .get("openapi")
            .and_then(Value::as_str)
            .is_some_and(|v| v.starts_with("3."))
        {
            return Err(Error::UnknownFormat {
                path: file.clone(),
                message: "expected an OpenAPI 3 document (\"openapi\": \"3.x\")".into(),
            });
        }
        let schemas = doc
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or(Value::Object(Default::default()));
        let names: BTreeSet<&str> = schemas
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        check_refs(
            &file,
            &doc,
            &mut String::new(),
            "#/components/schemas/",
            &names,
        )?;
        let definitions =
            parse_definitions(&file, &schemas, "/components/schemas", RefStyle::Components)?;
        let gvk_defs = gvk_definitions(&file, &schemas, "/components/schemas")?;
        api.kubernetes_definitions
            .extend(definitions.keys().cloned());
        api.add_definitions(&file, definitions)?;
        if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
            paths_to_resources(api, &file, paths, &gvk_defs, InputKind::OpenApi3)?;
        }
    }
    api.inputs.push(path.display().to_string());
    Ok(())
}

/// Loads a definitions-only Swagger 2.0 document (such as openshift/api's `openapi.json`),
/// then applies the aggregated-API table for kinds no CRD or path describes.
pub fn definitions(api: &mut Api, file: &Path) -> Result<(), Error> {
    let mut doc = read_json(file)?;
    if doc.get("swagger").and_then(Value::as_str) != Some("2.0") {
        return Err(Error::UnknownFormat {
            path: file.to_path_buf(),
            message: "expected a Swagger 2.0 document (\"swagger\": \"2.0\")".into(),
        });
    }
    let Some(Value::Object(defs)) = doc.get_mut("definitions") else {
        return Err(Error::UnknownFormat {
            path: file.to_path_buf(),
            message: "document has no definitions object".into(),
        });
    };
    crate::fixups::missing_definitions(file, defs)?;
    let doc = doc;
    let defs = &doc["definitions"];
    let names: BTreeSet<&str> = defs
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    check_refs(file, &doc, &mut String::new(), "#/definitions/", &names)?;
    let definitions = parse_definitions(file, defs, "/definitions", RefStyle::Definitions)?;
    let added: BTreeSet<String> = definitions.keys().cloned().collect();
    api.add_definitions(file, definitions)?;
    crate::fixups::aggregated_apis(api, file, &added)?;
    api.inputs.push(file.display().to_string());
    Ok(())
}

/// Loads every CustomResourceDefinition in the YAML/JSON files under `path`.
/// Documents of other kinds are skipped, so a directory of mixed manifests works.
pub fn crds(api: &mut Api, path: &Path) -> Result<(), Error> {
    for file in files_under(path, &["yaml", "yml", "json"])? {
        let text = read(&file)?;
        let docs: Vec<Value> = if file.extension().is_some_and(|e| e == "json") {
            vec![serde_json::from_str(&text).map_err(|e| Error::Parse {
                path: file.clone(),
                format: "JSON",
                message: e.to_string(),
            })?]
        } else {
            serde_saphyr::from_multiple(&text).map_err(|e| Error::Parse {
                path: file.clone(),
                format: "YAML",
                message: e.to_string(),
            })?
        };
        for (index, doc) in docs.iter().enumerate() {
            // `doc N` keeps the JSON path unambiguous in multi-document files.
            let at = |p: &str| format!("doc {index} {p}");
            if doc.is_null() {
                continue;
            }
            if doc.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                continue;
            }
            crd(api, &file, doc, &at)?;
        }
    }
    api.inputs.push(path.display().to_string());
    Ok(())
}

fn str_at<'a>(
    file: &Path,
    doc: &'a Value,
    pointer: &str,
    at: &dyn Fn(&str) -> String,
) -> Result<&'a str, Error> {
    doc.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid(file, at(pointer), "missing or not a string"))
}

fn crd(api: &mut Api, file: &Path, doc: &Value, at: &dyn Fn(&str) -> String) -> Result<(), Error> {
    let group = str_at(file, doc, "/spec/group", at)?;
    let kind = str_at(file, doc, "/spec/names/kind", at)?;
    let plural = str_at(file, doc, "/spec/names/plural", at)?;
    let namespaced = match str_at(file, doc, "/spec/scope", at)? {
        "Namespaced" => true,
        "Cluster" => false,
        other => {
            return Err(Error::invalid(
                file,
                at("/spec/scope"),
                format!("scope must be Namespaced or Cluster, not {other:?}"),
            ));
        }
    };
    let Some(versions) = doc.pointer("/spec/versions").and_then(Value::as_array) else {
        return Err(Error::invalid(
            file,
            at("/spec/versions"),
            "missing or not an array",
        ));
    };
    let parser = Parser {
        file,
        refs: RefStyle::None,
    };
    for (i, version) in versions.iter().enumerate() {
        let vp = format!("/spec/versions/{i}");
        if version.get("served").and_then(Value::as_bool) != Some(true) {
            continue;
        }
        let name = str_at(file, doc, &format!("{vp}/name"), at)?;
        let schema_pointer = format!("{vp}/schema/openAPIV3Schema");
        let types = match doc.pointer(&schema_pointer) {
            Some(schema) => {
                TypeSource::Inline(Box::new(parser.parse(schema, &at(&schema_pointer))?))
            }
            None => TypeSource::Missing,
        };
        let mut subresources = BTreeSet::new();
        if let Some(subs) = version.get("subresources").and_then(Value::as_object) {
            subresources.extend(subs.keys().cloned());
        }
        let mut printer_columns = Vec::new();
        if let Some(cols) = version
            .get("additionalPrinterColumns")
            .and_then(Value::as_array)
        {
            for c in 0..cols.len() {
                let cp = format!("{vp}/additionalPrinterColumns/{c}");
                printer_columns.push(PrinterColumn {
                    name: str_at(file, doc, &format!("{cp}/name"), at)?.to_owned(),
                    type_: str_at(file, doc, &format!("{cp}/type"), at)?.to_owned(),
                    json_path: str_at(file, doc, &format!("{cp}/jsonPath"), at)?.to_owned(),
                    description: doc
                        .pointer(&format!("{cp}/description"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    priority: doc
                        .pointer(&format!("{cp}/priority"))
                        .and_then(Value::as_i64),
                });
            }
        }
        let gvk = Gvk {
            group: group.to_owned(),
            version: name.to_owned(),
            kind: kind.to_owned(),
        };
        // Same GVK again: a conflict if plural or scope differ, else a duplicate kind.
        api.add_resource(Resource {
            gvk,
            plural: plural.to_owned(),
            namespaced,
            verbs: [
                "get",
                "list",
                "watch",
                "create",
                "update",
                "patch",
                "delete",
                "deletecollection",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect(),
            subresources,
            types,
            printer_columns,
            short_names: doc
                .pointer("/spec/names/shortNames")
                .and_then(Value::as_array)
                .map(|names| {
                    names
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            source: file.display().to_string(),
            input: InputKind::Crd,
        })?;
    }
    Ok(())
}

/// Definitions that carry `x-kubernetes-group-version-kind`, by GVK. A GVK claimed by
/// several definitions (`DeleteOptions`, `WatchEvent`) is only used when its name ends in the kind.
fn gvk_definitions(
    file: &Path,
    defs: &Value,
    pointer: &str,
) -> Result<BTreeMap<Gvk, String>, Error> {
    let mut out = BTreeMap::new();
    let Some(map) = defs.as_object() else {
        return Ok(out);
    };
    for (name, def) in map {
        let Some(gvks) = def.get("x-kubernetes-group-version-kind") else {
            continue;
        };
        let p = format!(
            "{pointer}/{}/x-kubernetes-group-version-kind",
            pointer_segment(name)
        );
        let Some(list) = gvks.as_array() else {
            return Err(Error::invalid(file, p, "expected an array"));
        };
        for (i, g) in list.iter().enumerate() {
            let gvk = parse_gvk(file, g, &format!("{p}/{i}"))?;
            if name.rsplit('.').next() == Some(gvk.kind.as_str()) {
                out.insert(gvk, name.clone());
            }
        }
    }
    Ok(out)
}

fn parse_gvk(file: &Path, value: &Value, pointer: &str) -> Result<Gvk, Error> {
    let field = |f: &str| {
        value
            .get(f)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| {
                Error::invalid(file, format!("{pointer}/{f}"), "missing or not a string")
            })
    };
    Ok(Gvk {
        group: field("group")?,
        version: field("version")?,
        kind: field("kind")?,
    })
}

/// A Kubernetes REST path split into its parts.
#[derive(Debug, PartialEq)]
struct RestPath {
    group: String,
    version: String,
    namespaced: bool,
    plural: String,
    /// `None` for collection and object paths, `Some("status")` etc. for subresources.
    subresource: Option<String>,
}

fn parse_rest_path(path: &str) -> Option<RestPath> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", version, rest @ ..] => (String::new(), *version, rest),
        ["apis", group, version, rest @ ..] => ((*group).to_owned(), *version, rest),
        _ => return None,
    };
    let rest = match rest {
        ["watch", rest @ ..] => rest,
        rest => rest,
    };
    let (namespaced, rest) = match rest {
        ["namespaces", "{namespace}", rest @ ..] if !rest.is_empty() => (true, rest),
        rest => (false, rest),
    };
    match rest {
        [plural] | [plural, "{name}"] => Some(RestPath {
            group,
            version: (*version).to_owned(),
            namespaced,
            plural: (*plural).to_owned(),
            subresource: None,
        }),
        [plural, "{name}", sub @ ..] => {
            let sub: Vec<&str> = sub
                .iter()
                .copied()
                .filter(|s| !s.starts_with('{'))
                .collect();
            Some(RestPath {
                group,
                version: (*version).to_owned(),
                namespaced,
                plural: (*plural).to_owned(),
                subresource: Some(sub.join("/")),
            })
        }
        _ => None,
    }
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

fn paths_to_resources(
    api: &mut Api,
    file: &Path,
    paths: &serde_json::Map<String, Value>,
    gvk_defs: &BTreeMap<Gvk, String>,
    input: InputKind,
) -> Result<(), Error> {
    // Collect per (group, version, plural) first: subresource operations carry other GVKs
    // (deployments/scale is autoscaling/v1 Scale), so the path decides what they belong to.
    #[derive(Default)]
    struct Acc {
        gvk: Option<(Gvk, String)>,
        namespaced: bool,
        verbs: BTreeSet<String>,
        subresources: BTreeSet<String>,
    }
    let mut acc: BTreeMap<(String, String, String), Acc> = BTreeMap::new();
    for (path, item) in paths {
        let Some(rest) = parse_rest_path(path) else {
            continue;
        };
        let Some(item) = item.as_object() else {
            continue;
        };
        let entry = acc
            .entry((
                rest.group.clone(),
                rest.version.clone(),
                rest.plural.clone(),
            ))
            .or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else {
                continue;
            };
            let op_pointer = format!("/paths/{}/{method}", pointer_segment(path));
            let Some(action) = op.get("x-kubernetes-action").and_then(Value::as_str) else {
                continue;
            };
            if let Some(sub) = &rest.subresource {
                entry.subresources.insert(sub.clone());
                continue;
            }
            let Some(gvk_value) = op.get("x-kubernetes-group-version-kind") else {
                continue;
            };
            let gvk = parse_gvk(
                file,
                gvk_value,
                &format!("{op_pointer}/x-kubernetes-group-version-kind"),
            )?;
            match &entry.gvk {
                None => entry.gvk = Some((gvk, op_pointer.clone())),
                Some((first, first_pointer)) if first != &gvk => {
                    return Err(Error::Conflict {
                        gvk: format!("{}/{}/{}", rest.group, rest.version, rest.plural),
                        first: format!("{} at {first_pointer} ({first})", file.display()),
                        second: format!("{} at {op_pointer} ({gvk})", file.display()),
                    });
                }
                Some(_) => {}
            }
            entry.namespaced |= rest.namespaced;
            entry.verbs.insert(
                match action {
                    "watchlist" => "watch",
                    "put" => "update",
                    "post" => "create",
                    other => other,
                }
                .to_owned(),
            );
        }
    }
    for ((_, _, plural), a) in acc {
        let Some((gvk, _)) = a.gvk else { continue };
        let types = match gvk_defs.get(&gvk) {
            Some(name) => TypeSource::Definition(name.clone()),
            None => TypeSource::Missing,
        };
        api.add_resource(Resource {
            gvk,
            plural,
            namespaced: a.namespaced,
            verbs: a.verbs,
            subresources: a.subresources,
            types,
            printer_columns: Vec::new(),
            short_names: Vec::new(),
            source: file.display().to_string(),
            input,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_paths() {
        let p = parse_rest_path("/api/v1/namespaces/{namespace}/pods/{name}/log").unwrap();
        assert_eq!(
            p,
            RestPath {
                group: String::new(),
                version: "v1".into(),
                namespaced: true,
                plural: "pods".into(),
                subresource: Some("log".into()),
            }
        );
        let ns = parse_rest_path("/api/v1/namespaces/{name}/finalize").unwrap();
        assert_eq!(ns.plural, "namespaces");
        assert!(!ns.namespaced);
        assert_eq!(ns.subresource.as_deref(), Some("finalize"));
        let proxy = parse_rest_path("/api/v1/nodes/{name}/proxy/{path}").unwrap();
        assert_eq!(proxy.subresource.as_deref(), Some("proxy"));
        let watch =
            parse_rest_path("/apis/apps/v1/watch/namespaces/{namespace}/deployments").unwrap();
        assert_eq!((watch.group.as_str(), watch.namespaced), ("apps", true));
        assert!(parse_rest_path("/apis/apps/").is_none());
        assert!(parse_rest_path("/version/").is_none());
    }
}
