//! The shape of `src/` itself: the import graph between files and between rooms has no circle,
//! nothing imports a layer above its own, and the libraries each layer owns stay in it.
//!
//! A file imports another when it names an item defined there: through `use` (groups expanded),
//! through a path written in code (`crate::domain::kernel::EntityId`), or through a sibling
//! module of its own (`ids::encode` in a `mod.rs` that declares `ids`). Re-exports are followed
//! to the file that defines the item, so a room's face (`mod.rs`) is never the thing imported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root: `["domain", "kernel", "entity"]`.
type ModPath = Vec<String>;

/// Where each layer and top-level module stands; an import may only point at the same rank or
/// below. `graph` and `store` share a rank but may not import each other.
fn rank(top: &str) -> Option<u8> {
    Some(match top {
        "domain" | "progress" | "telemetry" => 0,
        "graph" | "store" => 1,
        "service" => 2,
        "config" => 3,
        "api" => 4,
        "transfer" | "bench" => 5,
        "cli" => 6,
        _ => return None,
    })
}

/// External crates only one layer may name: the invariants of ARCHITECTURE.md.
const OWNED: &[(&str, &str)] = &[
    ("surrealdb", "store"),
    ("async_graphql", "api"),
    ("async_graphql_axum", "api"),
    ("axum", "api"),
    ("tower_http", "api"),
];

/// What doing IO takes; `domain/` and `graph/` name none of it.
const IO: &[&str] = &[
    "tokio",
    "reqwest",
    "std::fs",
    "std::process",
    "std::net::TcpStream",
];

/// External paths worth watching, recorded as their first one, two and three segments.
const WATCHED: &[&str] = &[
    "surrealdb",
    "async_graphql",
    "async_graphql_axum",
    "axum",
    "tower_http",
    "tokio",
    "reqwest",
    "std",
];

/// `a`, `a::b` and `a::b::c` of an external path.
fn prefixes(path: &[String]) -> impl Iterator<Item = String> + '_ {
    (1..=path.len().min(3)).map(|n| path[..n].join("::"))
}

struct Crate {
    /// Every module and the file that holds it.
    files: BTreeMap<ModPath, PathBuf>,
    /// Per module: the names it re-exports (`pub use`) and what each stands for.
    reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>>,
    /// Per module: every crate path it names, made absolute.
    uses: BTreeMap<ModPath, BTreeSet<ModPath>>,
    /// Per module: the external crates it names.
    externs: BTreeMap<ModPath, BTreeSet<String>>,
}

fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: ModPath = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code with comments dropped and string and char literals emptied, lines kept.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                } else if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            out.push_str("\"\"");
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A char literal ('a', '\n'); lifetimes ('a) are left alone.
            let mut j = i + 1;
            if chars.get(j) == Some(&'\\') {
                j += 1;
            }
            j += 1;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            out.push_str("''");
            i = j + 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Splits a use tree (`a::{b, c::{d, e as f}}`) into paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        return vec![path.split("::").map(|s| s.trim().to_string()).collect()];
    };
    let prefix: Vec<String> = tree[..open]
        .trim_end_matches(':')
        .split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap()];
    let (mut parts, mut depth, mut current) = (Vec::new(), 0, String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    let mut out = Vec::new();
    for part in parts.iter().filter(|p| !p.trim().is_empty()) {
        for sub in expand(part) {
            if sub == ["self"] {
                out.push(prefix.clone());
            } else {
                out.push(prefix.iter().cloned().chain(sub).collect());
            }
        }
    }
    out
}

/// Each `use` statement: whether it is `pub`, and its tree.
fn use_statements(code: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(at) = code[i..].find("use ") {
        let start = i + at;
        i = start + 4;
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if !boundary {
            continue;
        }
        let Some(end) = code[i..].find(';') else {
            break;
        };
        let line_start = code[..start].rfind('\n').map_or(0, |n| n + 1);
        let before = code[line_start..start].trim();
        if !(before.is_empty() || before.starts_with("pub")) {
            continue;
        }
        out.push((
            before.starts_with("pub"),
            code[i..i + end].trim().to_string(),
        ));
        i += end;
    }
    out
}

/// Every path written in code that starts at a given root word (`crate`, or a child module).
fn paths_from(code: &str, root: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let needle = format!("{root}::");
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(at) = code[i..].find(&needle) {
        let start = i + at;
        i = start + needle.len();
        let before = start.checked_sub(1).map(|b| bytes[b]);
        if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
            continue;
        }
        let mut path = vec![root.to_string()];
        let mut j = i;
        // A path ending in `::` leads into a group (`a::{b, c}`): `use` statements count those.
        let complete = loop {
            let word: String = code[j..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if word.is_empty() {
                break false;
            }
            j += word.len();
            path.push(word);
            if code[j..].starts_with("::") {
                j += 2;
            } else {
                break true;
            }
        };
        if complete {
            out.push(path);
        }
    }
    out
}

/// A written path made absolute from module `here`; `None` for external crates.
fn absolute(
    path: &[String],
    here: &ModPath,
    files: &BTreeMap<ModPath, PathBuf>,
) -> Option<ModPath> {
    let mut segs = path.to_vec();
    let mut base = here.clone();
    match segs.first().map(String::as_str) {
        Some("crate") | Some("$crate") | Some("assetgraph") => {
            segs.remove(0);
            return Some(segs);
        }
        Some("self") => {
            segs.remove(0);
        }
        Some("super") => {
            while segs.first().map(String::as_str) == Some("super") {
                segs.remove(0);
                base.pop();
            }
        }
        Some(first) => {
            let mut child = here.clone();
            child.push(first.to_string());
            if !files.contains_key(&child) {
                return None;
            }
        }
        None => return None,
    }
    base.extend(segs);
    Some(base)
}

fn read_crate(src: &Path) -> Crate {
    let mut paths = Vec::new();
    rust_files(src, &mut paths);
    let files: BTreeMap<ModPath, PathBuf> = paths
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "main.rs"))
        .map(|p| (module_of(src, p), p.clone()))
        .collect();
    let mut reexports: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
    let mut uses: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    let mut externs: BTreeMap<ModPath, BTreeSet<String>> = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Test modules sit inside their file: `super` there is the file itself.
        let code = code_only(&text).replace("use super::*;", "");
        let code = code.replace("pub(in crate::", "pub(in ");
        let mut found = BTreeSet::new();
        for (public, tree) in use_statements(&code) {
            for path in expand(&tree) {
                match absolute(&path, module, &files) {
                    Some(abs) => {
                        if public && let Some(name) = path.last() {
                            reexports
                                .entry(module.clone())
                                .or_default()
                                .insert(name.clone(), abs.clone());
                        }
                        found.insert(abs);
                    }
                    None => {
                        externs
                            .entry(module.clone())
                            .or_default()
                            .extend(prefixes(&path));
                    }
                }
            }
        }
        let children: Vec<String> = files
            .keys()
            .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
            .map(|k| k.last().unwrap().clone())
            .collect();
        for root in ["crate", "$crate", "super", "self"]
            .iter()
            .map(|s| s.to_string())
            .chain(children)
        {
            for path in paths_from(&code, &root) {
                if let Some(abs) = absolute(&path, module, &files) {
                    found.insert(abs);
                }
            }
        }
        for root in WATCHED {
            for path in paths_from(&code, root) {
                externs
                    .entry(module.clone())
                    .or_default()
                    .extend(prefixes(&path));
            }
        }
        uses.insert(module.clone(), found);
    }
    Crate {
        files,
        reexports,
        uses,
        externs,
    }
}

impl Crate {
    /// The module that defines what `path` names, following re-exports.
    fn defining(&self, path: &[String], hops: usize) -> Option<ModPath> {
        for k in (0..=path.len()).rev() {
            let prefix = path[..k].to_vec();
            if !self.files.contains_key(&prefix) {
                continue;
            }
            if let Some(name) = path.get(k)
                && hops < 16
                && let Some(target) = self.reexports.get(&prefix).and_then(|r| r.get(name))
                && target.as_slice() != [prefix.clone(), vec![name.clone()]].concat()
            {
                let mut next = target.clone();
                next.extend(path[k + 1..].iter().cloned());
                return self.defining(&next, hops + 1);
            }
            return Some(prefix);
        }
        None
    }

    /// File-level edges: who imports whom.
    fn edges(&self) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
        let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        for (module, paths) in &self.uses {
            for path in paths {
                if let Some(target) = self.defining(path, 0)
                    && &target != module
                {
                    edges.entry(module.clone()).or_default().insert(target);
                }
            }
        }
        edges
    }
}

/// The room a module lives in: its layer and first folder (`service/kernel`) or file
/// (`api/schema`, `graph/impact`); a layer's face and the top-level modules are rooms of their own.
fn room(module: &ModPath) -> String {
    match module.as_slice() {
        [] => "lib".into(),
        [top] => top.clone(),
        [top, second, ..] => format!("{top}/{second}"),
    }
}

/// Every strongly connected group of more than one node.
fn circles<N: Ord + Clone>(nodes: &BTreeSet<N>, edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    let order: Vec<N> = nodes.iter().cloned().collect();
    let index_of: BTreeMap<N, usize> = order
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, n)| (n, i))
        .collect();
    let adjacency: Vec<Vec<usize>> = order
        .iter()
        .map(|n| {
            edges
                .get(n)
                .into_iter()
                .flatten()
                .filter_map(|m| index_of.get(m).copied())
                .collect()
        })
        .collect();
    let mut graph = petgraph::graph::DiGraph::<(), ()>::new();
    let ids: Vec<_> = order.iter().map(|_| graph.add_node(())).collect();
    for (from, targets) in adjacency.iter().enumerate() {
        for &to in targets {
            graph.add_edge(ids[from], ids[to], ());
        }
    }
    petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|component| {
            component
                .into_iter()
                .map(|id| order[id.index()].clone())
                .collect()
        })
        .collect()
}

fn show(module: &ModPath) -> String {
    module.join("::")
}

#[test]
fn src_imports_form_no_circle_and_point_only_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let krate = read_crate(&src);
    let edges = krate.edges();
    // Spot checks that the reading works: the register reads domain entities through a face.
    let register: ModPath = ["service", "kernel", "register"].map(String::from).to_vec();
    let entity: ModPath = ["domain", "kernel", "entity"].map(String::from).to_vec();
    assert!(
        edges.get(&register).is_some_and(|e| e.contains(&entity)),
        "the import graph misses service/kernel/register → domain/kernel/entity"
    );

    let modules: BTreeSet<ModPath> = krate.files.keys().cloned().collect();
    let file_circles: Vec<String> = circles(&modules, &edges)
        .iter()
        .map(|c| c.iter().map(show).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(
        file_circles.is_empty(),
        "files importing each other in circles:\n{}",
        file_circles.join("\n")
    );

    let mut room_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in &edges {
        for to in targets {
            let (a, b) = (room(from), room(to));
            if a != b {
                room_edges.entry(a).or_default().insert(b);
            }
        }
    }
    let rooms: BTreeSet<String> = modules.iter().map(room).collect();
    let room_circles: Vec<String> = circles(&rooms, &room_edges)
        .iter()
        .map(|c| c.join(" ↔ "))
        .collect();
    assert!(
        room_circles.is_empty(),
        "rooms importing each other in circles:\n{}",
        room_circles.join("\n")
    );

    let mut upward = Vec::new();
    for (from, targets) in &edges {
        for to in targets {
            let (Some(a), Some(b)) = (from.first(), to.first()) else {
                continue;
            };
            let (Some(ra), Some(rb)) = (rank(a), rank(b)) else {
                upward.push(format!(
                    "{} → {} (a top-level module without a rank)",
                    show(from),
                    show(to)
                ));
                continue;
            };
            let across = a != b && ra == rb && ra == 1;
            if rb > ra || across {
                upward.push(format!("{} → {}", show(from), show(to)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports pointing up a layer (or between store and graph):\n{}",
        upward.join("\n")
    );
}

#[test]
fn each_layer_keeps_the_libraries_it_owns() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let krate = read_crate(&src);
    let mut strays = Vec::new();
    for (module, names) in &krate.externs {
        for (library, owner) in OWNED {
            if names.contains(*library) && module.first().map(String::as_str) != Some(owner) {
                strays.push(format!(
                    "{} names {library}, which only {owner}/ may",
                    show(module)
                ));
            }
        }
    }
    for module in krate
        .files
        .keys()
        .filter(|m| matches!(m.first().map(String::as_str), Some("domain" | "graph")))
    {
        let names = krate.externs.get(module).cloned().unwrap_or_default();
        for library in IO.iter().filter(|l| names.contains(**l)) {
            strays.push(format!(
                "{} uses {library}: domain/ and graph/ do no IO",
                show(module)
            ));
        }
    }
    assert!(strays.is_empty(), "{}", strays.join("\n"));
}

#[test]
fn no_file_outgrows_a_sitting() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    rust_files(&src, &mut paths);
    let long: Vec<String> = paths
        .iter()
        .map(|p| (p, std::fs::read_to_string(p).unwrap().lines().count()))
        .filter(|(_, lines)| *lines > 800)
        .map(|(p, lines)| format!("{} has {lines} lines", p.display()))
        .collect();
    assert!(
        long.is_empty(),
        "files over 800 lines; split them along their seams:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_code_map_names_every_room_and_only_rooms_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut problems = Vec::new();
    for layer in ["domain", "store", "service", "api"] {
        let heading = format!("### `src/{layer}/`");
        let section = map
            .split(&heading)
            .nth(1)
            .unwrap_or_else(|| panic!("ARCHITECTURE.md has no section {heading}"));
        let section = section.split("\n### ").next().unwrap_or_default();
        // Rooms are named at the start of an entry: "- `kernel/` — …" or "- `a/`, `b/` — …".
        let named: BTreeSet<String> = section
            .lines()
            .filter(|line| line.starts_with("- `"))
            .flat_map(|line| {
                let head = line.split(" — ").next().unwrap_or_default();
                head.split('`')
                    .filter(|word| word.ends_with('/'))
                    .map(|word| word.trim_end_matches('/').to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        let rooms: BTreeSet<String> = std::fs::read_dir(root.join("src").join(layer))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_dir())
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for missing in rooms.difference(&named) {
            problems.push(format!("src/{layer}/{missing}/ is not in the code map"));
        }
        for stale in named.difference(&rooms) {
            problems.push(format!(
                "the code map names src/{layer}/{stale}/, which does not exist"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
