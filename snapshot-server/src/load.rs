//! Loading a snapshot from an Insights archive (directory or `.tar.gz`), a must-gather directory,
//! or files of `kubectl get -o yaml|json` output.
//!
//! Every JSON/YAML document is read; lists (`kind: List`, typed lists such as `PodList`, or
//! `{"items": [...]}`) are expanded. An object's kind comes from its own `apiVersion`/`kind`, else
//! from the list it is in, else from where it was found: the Insights Operator drops `kind` and
//! `apiVersion` from many objects it writes (e.g. `config/node/*.json`, `config/version.json`),
//! so the path conventions of its archive and of must-gather are mapped to kinds with the catalog.
//! Files that are not API objects are reported as warnings and the rest is served.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

mod insights;

use crate::catalog::{Catalog, CatalogError, KindInfo, split_api_version};
use crate::snapshot::{
    LoadWarning, PodLog, Resource, ResourceId, Snapshot, StoredObject, WarningKind, add_resource,
    empty_resources,
};

/// Why a snapshot could not be loaded at all. Problems with single files are not errors but
/// [`LoadWarning`]s.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read archive {path}: {source}")]
    Archive {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

/// Kubernetes version reported by `/version` when the snapshot has no nodes to take it from:
/// the version the catalog was generated from.
const DEFAULT_KUBE_VERSION: &str = "v1.35.0";

/// Directory names that the Insights archive uses instead of a resource's plural.
const PATH_ALIASES: &[(&str, &str)] = &[
    ("crd", "customresourcedefinitions"),
    ("pdbs", "poddisruptionbudgets"),
    ("securitycontextconstraint", "securitycontextconstraints"),
];

impl Snapshot {
    /// Loads a snapshot from a directory, a `.tar.gz`/`.tgz`/`.tar` archive, or a single
    /// JSON/YAML file. Files that cannot be used are reported in [`Snapshot::warnings`].
    pub fn load(path: &Path) -> Result<Snapshot, LoadError> {
        Snapshot::load_with_catalog(path, Catalog::embedded()?)
    }

    /// Like [`Snapshot::load`] with another catalog.
    pub fn load_with_catalog(path: &Path, catalog: Catalog) -> Result<Snapshot, LoadError> {
        let meta = std::fs::metadata(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut loader = Loader::new(&catalog);
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, path, &mut files)?;
            files.sort();
            for rel in files {
                let full = path.join(&rel);
                let data = std::fs::read(&full).map_err(|source| LoadError::Io {
                    path: full.clone(),
                    source,
                })?;
                loader.add_file(&rel, &data);
            }
        } else if is_archive(path)? {
            load_archive(path, &mut loader)?;
        } else {
            let data = std::fs::read(path).map_err(|source| LoadError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let rel = path
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| path.to_path_buf());
            loader.add_file(&rel, &data);
        }
        Ok(loader.finish(path))
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let p = entry.path();
        let link = entry.file_type().is_ok_and(|t| t.is_symlink());
        // metadata() follows symlinks, so a linked file is read like a real one; a dangling link
        // is skipped rather than failing the whole snapshot.
        let meta = match std::fs::metadata(&p) {
            Ok(m) => m,
            Err(_) if link => continue,
            Err(source) => {
                return Err(LoadError::Io {
                    path: p.clone(),
                    source,
                });
            }
        };
        // Linked directories are not followed: a link to a parent would never end.
        if meta.is_dir() && !link {
            walk(root, &p, out)?;
        } else if meta.is_file()
            && let Ok(rel) = p.strip_prefix(root)
        {
            out.push(rel.to_path_buf());
        }
    }
    Ok(())
}

/// A tar archive, gzip-compressed or not: by name, or by the gzip magic bytes.
fn is_archive(path: &Path) -> Result<bool, LoadError> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".tar.gz") || name.ends_with(".tgz") || name.ends_with(".tar") {
        return Ok(true);
    }
    let mut f = std::fs::File::open(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut magic = [0u8; 2];
    Ok(f.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b])
}

fn load_archive(path: &Path, loader: &mut Loader<'_>) -> Result<(), LoadError> {
    let err = |source| LoadError::Archive {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut magic = [0u8; 2];
    let gz = file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b];
    let file = std::fs::File::open(path).map_err(err)?;
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let rel = entry.path().map_err(err)?.into_owned();
        // "./config/x.json" and "config/x.json" name the same file.
        let rel: PathBuf = rel
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        let mut data = Vec::with_capacity(entry.size().try_into().unwrap_or(0));
        entry.read_to_end(&mut data).map_err(err)?;
        loader.add_file(&rel, &data);
    }
    Ok(())
}

/// Where a document came from, for kind inference and warnings.
struct Origin<'a> {
    rel: &'a Path,
    /// Directory components of `rel`.
    dirs: Vec<&'a str>,
    stem: &'a str,
    /// Whether the object is the only document of its file (then the file name may be its name).
    single: bool,
}

struct Loader<'c> {
    catalog: &'c Catalog,
    resources: BTreeMap<ResourceId, Resource>,
    logs: HashMap<(String, String), Vec<(PathBuf, PodLog)>>,
    warnings: Vec<LoadWarning>,
    object_count: usize,
    node_versions: Vec<String>,
    /// Where each object (by group, kind, namespace, name) came from, to resolve duplicates.
    sources: HashMap<ObjectIdent, (PathBuf, Arc<StoredObject>)>,
    /// Kind inferred from a directory path (many files share one directory).
    dir_cache: HashMap<String, Option<(KindInfo, usize)>>,
    /// Every version an object of a group/version/kind is served under.
    version_cache: HashMap<(String, String, String), Vec<KindInfo>>,
    /// Objects an Insights archive holds in shapes of its own (see `load/insights.rs`).
    derived: insights::Derived,
}

type Skip = (WarningKind, String);

/// An object's identity across versions: group, kind, namespace ("" if none), name.
type ObjectIdent = (String, String, String, String);

impl<'c> Loader<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        Loader {
            catalog,
            resources: empty_resources(catalog),
            logs: HashMap::new(),
            warnings: Vec::new(),
            object_count: 0,
            node_versions: Vec::new(),
            sources: HashMap::new(),
            dir_cache: HashMap::new(),
            version_cache: HashMap::new(),
            derived: insights::Derived::default(),
        }
    }

    fn warn(&mut self, rel: &Path, line: Option<usize>, kind: WarningKind, message: String) {
        self.warnings.push(LoadWarning {
            path: rel.to_path_buf(),
            line,
            kind,
            message,
        });
    }

    fn add_file(&mut self, rel: &Path, data: &[u8]) {
        if self.take_insights_file(rel, data) {
            return;
        }
        let ext = rel
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let docs: Vec<Value> = match ext.as_str() {
            "log" => {
                self.add_log(rel, data);
                return;
            }
            "json" => match serde_json::from_slice::<Value>(data) {
                Ok(v) => vec![v],
                Err(e) => {
                    self.warn(
                        rel,
                        Some(e.line()),
                        WarningKind::Unparsable,
                        format!("invalid JSON: {e}"),
                    );
                    return;
                }
            },
            "yaml" | "yml" => {
                let text = match std::str::from_utf8(data) {
                    Ok(t) => t,
                    Err(e) => {
                        self.warn(
                            rel,
                            None,
                            WarningKind::Unparsable,
                            format!("not UTF-8: {e}"),
                        );
                        return;
                    }
                };
                match serde_saphyr::from_multiple::<Value>(text) {
                    Ok(v) => v,
                    Err(e) => {
                        let line = e.location().and_then(|l| usize::try_from(l.line()).ok());
                        let msg = e.to_string();
                        let first = msg.lines().next().unwrap_or("").to_string();
                        self.warn(
                            rel,
                            line,
                            WarningKind::Unparsable,
                            format!("invalid YAML: {first}"),
                        );
                        return;
                    }
                }
            }
            // Certificates, plain-text configs, metrics: not API objects, nothing to report.
            _ => return,
        };
        let docs: Vec<Value> = docs.into_iter().filter(|d| !d.is_null()).collect();
        let origin = Origin {
            rel,
            dirs: rel
                .parent()
                .map(|p| {
                    p.components()
                        .filter_map(|c| c.as_os_str().to_str())
                        .collect()
                })
                .unwrap_or_default(),
            stem: rel.file_stem().and_then(|s| s.to_str()).unwrap_or(""),
            single: docs.len() == 1,
        };
        for doc in docs {
            self.add_document(&origin, doc);
        }
    }

    fn add_document(&mut self, origin: &Origin<'_>, doc: Value) {
        let Value::Object(mut map) = doc else {
            self.warn(
                origin.rel,
                None,
                WarningKind::NotAnObject,
                "not an API object (not a JSON object)".into(),
            );
            return;
        };
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let is_list = matches!(map.get("items"), Some(Value::Array(_)))
            && (kind.is_empty() || kind.ends_with("List"))
            && !map
                .get("metadata")
                .and_then(|m| m.get("name"))
                .is_some_and(Value::is_string);
        if !is_list {
            if let Err((wk, msg)) = self.add_object(origin, map, None) {
                self.warn(origin.rel, None, wk, msg);
            }
            return;
        }
        let api_version = map
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // `kind: List` items carry their own kind; a typed list (PodList) gives it to its items.
        let hint = match kind.strip_suffix("List") {
            Some(k) if !k.is_empty() && !api_version.is_empty() => {
                Some((api_version, k.to_string()))
            }
            _ => None,
        };
        let Some(Value::Array(items)) = map.remove("items") else {
            return;
        };
        let total = items.len();
        let item_origin = Origin {
            single: false,
            dirs: origin.dirs.clone(),
            ..*origin
        };
        let mut skipped: Vec<Skip> = Vec::new();
        for item in items {
            match item {
                Value::Object(m) => {
                    if let Err(s) = self.add_object(&item_origin, m, hint.as_ref()) {
                        skipped.push(s);
                    }
                }
                _ => skipped.push((
                    WarningKind::NotAnObject,
                    "list item is not a JSON object".into(),
                )),
            }
        }
        // One warning per list, not one per item: an Insights file of 500 trimmed events is one problem.
        if let Some((wk, msg)) = skipped.first().cloned() {
            let n = skipped.len();
            self.warn(
                origin.rel,
                None,
                wk,
                format!("{n} of {total} list items skipped; first: {msg}"),
            );
        }
    }

    fn add_object(
        &mut self,
        origin: &Origin<'_>,
        mut map: Map<String, Value>,
        hint: Option<&(String, String)>,
    ) -> Result<(), Skip> {
        let own_kind = map.get("kind").and_then(Value::as_str).map(str::to_string);
        let own_api = map
            .get("apiVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
        let explicit = match (own_api, own_kind) {
            (Some(a), Some(k)) => Some((a, k)),
            _ => hint.cloned(),
        };
        // The name: metadata.name; operator configs in the Insights archive keep it in a
        // top-level `name`; a file holding one object of a known kind is named after the object.
        let meta_name = map
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let name = match meta_name {
            Some(n) => n,
            None => {
                let top = map.get("name").and_then(Value::as_str).map(str::to_string);
                match (top, &explicit) {
                    (Some(n), Some(_)) => n,
                    (None, Some(_)) if origin.single && !origin.stem.is_empty() => {
                        origin.stem.to_string()
                    }
                    _ => {
                        return Err((
                            WarningKind::NotAnObject,
                            "not an API object (no metadata.name); not served".into(),
                        ));
                    }
                }
            }
        };
        let (info, res_seg) = match &explicit {
            Some((api, kind)) => {
                let (g, v) = split_api_version(api);
                let info = self.kind_info(g, v, kind, &map);
                let seg = resource_segment(&origin.dirs, &info);
                (info, seg)
            }
            None => match self.infer_kind(origin) {
                Some((info, seg)) => (info, Some(seg)),
                None => {
                    return Err((
                        WarningKind::UnknownKind,
                        format!(
                            "object {name:?} has no kind/apiVersion and its path does not name a known resource; not served"
                        ),
                    ));
                }
            },
        };
        let namespace = if info.namespaced {
            let from_meta = map
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .map(str::to_string);
            match from_meta.or_else(|| namespace_from_path(&origin.dirs, res_seg)) {
                Some(ns) => Some(ns),
                None => {
                    return Err((
                        WarningKind::NoNamespace,
                        format!(
                            "{} {name:?} is namespaced but has no metadata.namespace; not served",
                            info.kind
                        ),
                    ));
                }
            }
        } else {
            None
        };

        // Normalize: metadata carries name and namespace; apiVersion/kind are added when served.
        map.remove("apiVersion");
        map.remove("kind");
        let meta = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        let labels;
        if let Value::Object(meta) = meta {
            meta.insert("name".into(), Value::String(name.clone()));
            if let Some(ns) = &namespace {
                meta.insert("namespace".into(), Value::String(ns.clone()));
            }
            labels = meta
                .get("labels")
                .and_then(Value::as_object)
                .map(|l| {
                    l.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                        .collect()
                })
                .unwrap_or_default();
        } else {
            labels = BTreeMap::new();
        }
        if info.group.is_empty()
            && info.kind == "Node"
            && let Some(v) = map
                .get("status")
                .and_then(|s| s.pointer("/nodeInfo/kubeletVersion"))
                .and_then(Value::as_str)
        {
            self.node_versions.push(v.to_string());
        }
        let body = Value::Object(map).to_string();

        let key = (namespace.clone().unwrap_or_default(), name.clone());
        let ident = (
            info.group.clone(),
            info.kind.clone(),
            key.0.clone(),
            key.1.clone(),
        );
        let shown = match &namespace {
            Some(ns) => format!("{ns}/{name}"),
            None => name.clone(),
        };
        let replacing = match self.sources.get(&ident) {
            None => false,
            // A must-gather holds each pod both in core/pods.yaml and in pods/<pod>/<pod>.yaml.
            Some((_, existing)) if *existing.body == *body => return Ok(()),
            // Of two different copies the one from the first path (in sort order) is served, so
            // the result does not depend on the order files were read in.
            Some((prev, _)) if prev.as_path() <= origin.rel => {
                return Err((
                    WarningKind::Duplicate,
                    format!(
                        "{} {shown:?} is also in {}; that copy is served",
                        info.kind,
                        prev.display()
                    ),
                ));
            }
            Some((prev, _)) => {
                let prev = prev.clone();
                let message = format!(
                    "{} {shown:?} is also in {}; that copy is served",
                    info.kind,
                    origin.rel.display()
                );
                self.warn(&prev, None, WarningKind::Duplicate, message);
                true
            }
        };
        let obj = Arc::new(StoredObject {
            name,
            namespace,
            labels,
            body: body.into_boxed_str(),
        });
        // Serve the object under every version of its kind, as an API server converting between
        // versions would (without conversion: snapshot objects are read, not validated).
        let versions = self
            .version_cache
            .entry((info.group.clone(), info.version.clone(), info.kind.clone()))
            .or_insert_with(|| {
                let mut versions = vec![info.clone()];
                versions.extend(
                    self.catalog
                        .by_group_kind(&info.group, &info.kind)
                        .into_iter()
                        .filter(|k| k.version != info.version)
                        .cloned(),
                );
                versions
            });
        for v in versions.iter() {
            add_resource(&mut self.resources, v)
                .objects
                .insert(key.clone(), obj.clone());
        }
        self.sources.insert(ident, (origin.rel.to_path_buf(), obj));
        if !replacing {
            self.object_count += 1;
        }
        Ok(())
    }

    /// Catalog entry for an explicit group/version/kind; a kind the catalog lacks (a third-party
    /// CRD) gets a conventional plural and the scope its object shows.
    fn kind_info(
        &self,
        group: &str,
        version: &str,
        kind: &str,
        map: &Map<String, Value>,
    ) -> KindInfo {
        if let Some(k) = self.catalog.by_gvk(group, version, kind) {
            return k.clone();
        }
        if let Some(k) = self.catalog.by_group_kind(group, kind).first() {
            return KindInfo {
                version: version.to_string(),
                ..(*k).clone()
            };
        }
        let namespaced = map
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .is_some_and(Value::is_string);
        KindInfo {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            plural: pluralize(kind),
            namespaced,
            printer_columns: Vec::new(),
            short_names: Vec::new(),
        }
    }

    /// The resource named by the directories of a path (the nearest one to the file wins).
    fn infer_from_dirs(&self, dirs: &[&str]) -> Option<(KindInfo, usize)> {
        for i in (0..dirs.len()).rev() {
            let seg = dirs[i];
            // "namespaces/<ns>/..." introduces a namespace; neither segment names the resource.
            if (seg == "namespaces" && i + 1 < dirs.len()) || (i > 0 && dirs[i - 1] == "namespaces")
            {
                continue;
            }
            let name = PATH_ALIASES
                .iter()
                .find(|(a, _)| *a == seg)
                .map_or(seg, |(_, p)| *p);
            if i > 0 {
                let group = if dirs[i - 1] == "core" {
                    ""
                } else {
                    dirs[i - 1]
                };
                if (group.is_empty() || self.catalog.has_group(group))
                    && let Some(k) = self.catalog.by_resource_name(name, Some(group)).first()
                {
                    return Some(((*k).clone(), i));
                }
            }
            if let Some(k) = self.catalog.by_resource_name(name, None).first() {
                return Some(((*k).clone(), i));
            }
        }
        None
    }

    /// The kind of a kind-less object from its path; returns the index of the directory that
    /// named the resource.
    fn infer_kind(&mut self, origin: &Origin<'_>) -> Option<(KindInfo, usize)> {
        let dirs = &origin.dirs;
        // Insights: cluster-wide config singletons at config/<kind>.json, config/version.json.
        if dirs.len() == 1 && dirs[0] == "config" {
            let name = if origin.stem == "version" {
                "clusterversions"
            } else {
                origin.stem
            };
            if let Some(k) = self
                .catalog
                .by_resource_name(name, Some("config.openshift.io"))
                .first()
            {
                return Some(((*k).clone(), 0));
            }
        }
        let key = dirs.join("/");
        let found = match self.dir_cache.get(&key) {
            Some(cached) => cached.clone(),
            None => {
                let found = self.infer_from_dirs(dirs);
                self.dir_cache.insert(key, found.clone());
                found
            }
        };
        if found.is_some() {
            return found;
        }
        // `kubectl get nodes -o json > nodes.json`: the file is named after the resource. The
        // index points past the directories, so no directory is taken for a namespace.
        let stem = PATH_ALIASES
            .iter()
            .find(|(a, _)| *a == origin.stem)
            .map_or(origin.stem, |(_, p)| *p);
        self.catalog
            .by_resource_name(stem, None)
            .first()
            .map(|k| ((*k).clone(), dirs.len()))
    }

    /// Records a log file if its path is one of the pod log layouts:
    /// - Insights: `config/pod/<ns>/logs/<pod>/<file>.log` (container not named),
    /// - Insights conditional gatherers: `.../namespaces/<ns>/pods/<pod>/containers/<c>/logs/<file>.log`,
    /// - must-gather: `namespaces/<ns>/pods/<pod>/<c>/<c>/logs/{current,previous}.log`.
    fn add_log(&mut self, rel: &Path, data: &[u8]) {
        let dirs: Vec<&str> = rel
            .parent()
            .map(|p| {
                p.components()
                    .filter_map(|c| c.as_os_str().to_str())
                    .collect()
            })
            .unwrap_or_default();
        let stem = rel.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let mut found = None;
        for j in 0..dirs.len() {
            if dirs[j] == "namespaces"
                && dirs.get(j + 2) == Some(&"pods")
                && let (Some(ns), Some(pod)) = (dirs.get(j + 1), dirs.get(j + 3))
            {
                let container = match dirs.get(j + 4) {
                    Some(&"containers") => dirs.get(j + 5),
                    other => other,
                };
                let container = container
                    .filter(|c| **c != "logs")
                    .map(|c| (*c).to_string());
                found = Some(((*ns).to_string(), (*pod).to_string(), container));
                break;
            }
            if dirs[j] == "pod"
                && dirs.get(j + 2) == Some(&"logs")
                && let (Some(ns), Some(pod)) = (dirs.get(j + 1), dirs.get(j + 3))
            {
                found = Some(((*ns).to_string(), (*pod).to_string(), None));
                break;
            }
        }
        let Some((ns, pod, container)) = found else {
            return;
        };
        let log = PodLog {
            container,
            previous: stem == "previous",
            text: String::from_utf8_lossy(data).into_owned(),
        };
        self.logs
            .entry((ns, pod))
            .or_default()
            .push((rel.to_path_buf(), log));
    }

    fn finish(mut self, source: &Path) -> Snapshot {
        self.add_derived();
        // Hash the served content in key order, so the value depends on what is served and not
        // on the order files were read in (directory walk vs. tar order).
        let mut hasher = Sha256::new();
        for (id, r) in &self.resources {
            for ((ns, name), obj) in &r.objects {
                for part in [&id.group, &id.version, &id.plural, ns, name] {
                    hasher.update(part.as_bytes());
                    hasher.update([0]);
                }
                hasher.update(obj.body.as_bytes());
            }
        }
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        // Decimal like a real server's; kept below 2^53 so that JSON number parsers agree on it.
        let resource_version = (u64::from_be_bytes(first) >> 11).to_string();
        let logs = self
            .logs
            .into_iter()
            .map(|(k, mut v)| {
                v.sort_by(|a, b| a.0.cmp(&b.0));
                (k, v.into_iter().map(|(_, l)| l).collect())
            })
            .collect();
        Snapshot {
            resources: self.resources,
            logs,
            warnings: self.warnings,
            resource_version,
            object_count: self.object_count,
            kube_version: self
                .node_versions
                .first()
                .cloned()
                .unwrap_or_else(|| DEFAULT_KUBE_VERSION.to_string()),
            source: source.to_path_buf(),
        }
    }
}

/// The directory that names an object's resource (plural, kind in lower case, or an alias).
fn resource_segment(dirs: &[&str], info: &KindInfo) -> Option<usize> {
    dirs.iter().rposition(|seg| {
        let name = PATH_ALIASES
            .iter()
            .find(|(a, _)| a == seg)
            .map_or(*seg, |(_, p)| *p);
        name == info.plural || name.eq_ignore_ascii_case(&info.kind)
    })
}

/// A namespace from the path: `namespaces/<ns>/...`, or the Insights layout
/// `config/<resource>/<ns>/<name>.json` (the directory right after the resource's).
fn namespace_from_path(dirs: &[&str], res_seg: Option<usize>) -> Option<String> {
    if let Some(j) = dirs.iter().position(|s| *s == "namespaces")
        && let Some(ns) = dirs.get(j + 1)
    {
        return Some((*ns).to_string());
    }
    res_seg
        .and_then(|i| dirs.get(i + 1))
        .map(|s| (*s).to_string())
}

/// The conventional plural of a kind (as CRDs and the API machinery derive it).
fn pluralize(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s')
        || lower.ends_with('x')
        || lower.ends_with("ch")
        || lower.ends_with("sh")
    {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pluralize_follows_kubernetes_conventions() {
        assert_eq!(pluralize("Pod"), "pods");
        assert_eq!(pluralize("Policy"), "policies");
        assert_eq!(pluralize("Gateway"), "gateways");
        assert_eq!(pluralize("Ingress"), "ingresses");
    }
}
