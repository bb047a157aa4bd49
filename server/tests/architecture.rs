//! The server's architecture, checked on its source: the layers of
//! `server/src` import only downwards, and no import cycle spans more than
//! three files.
//!
//! The layers (lib.rs's `# Layout` describes them):
//!
//! 1. base: `clock`, `num`, `glob`, `protocol`, `config`, `version`, and
//!    `cmd::error` (the error texts are the vocabulary every layer speaks;
//!    the file imports nothing of the crate);
//! 2. `db`: the keyspace;
//! 3. the state: `state` (with its client, pub/sub and blocked-client
//!    registries), `script` (the Lua engine, handed its `redis.call`
//!    bridge from above) and `cluster` (a node's view of its cluster);
//! 4. `cmd`: the command families, the table and the executor;
//! 5. `fault`: the rule registry;
//! 6. `shared`: the server core behind the lock, which implements the
//!    commands' host interface;
//! 7. `conn`: sessions and transports, and `repl`, a replica's link to its
//!    primary;
//! 8. the handle: `server` (`Server`, its builder and verbs), `direct`,
//!    `internals` and the crate root.
//!
//! The test reads every file (comments and string literals blanked out),
//! collects its `use` trees and its inline `crate::` / `super::` / `self::`
//! paths, and resolves each to the file that defines what it names,
//! following re-exports and glob imports. A `pub use` is a module's face,
//! not a dependency of its code: it is followed, not counted. An import from a lower layer up
//! to a higher one fails the test unless a comment containing `Upward
//! import:` on one of the three lines above it says why; at most
//! [`MAX_UPWARD`] such places are allowed. A tiny parser rather than `syn`:
//! the server's code is plain, and the test must build in seconds.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Justified upward imports allowed in all.
const MAX_UPWARD: usize = 5;

/// The largest import cycle allowed, in files.
const MAX_CYCLE: usize = 3;

/// Module path prefix → layer. The longest matching prefix wins.
const LAYERS: &[(&str, u8)] = &[
    ("clock", 1),
    ("num", 1),
    ("glob", 1),
    ("protocol", 1),
    ("config", 1),
    ("version", 1),
    ("cmd::error", 1),
    ("db", 2),
    ("state", 3),
    ("cluster", 3),
    ("script", 3),
    ("cmd", 4),
    ("fault", 5),
    ("shared", 6),
    ("conn", 7),
    ("repl", 7),
    ("server", 8),
    ("direct", 8),
    ("internals", 8),
    ("", 8),
];

type ModPath = Vec<String>;

fn layer_of(module: &[String]) -> (u8, &'static str) {
    let joined = module.join("::");
    LAYERS
        .iter()
        .filter(|(prefix, _)| {
            prefix.is_empty() || joined == *prefix || joined.starts_with(&format!("{prefix}::"))
        })
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|&(prefix, layer)| (layer, prefix))
        .expect("the empty prefix matches every module")
}

/// One `use` leaf: the path as written and the name it binds (`None` for a
/// glob).
#[derive(Debug, Clone)]
struct UseLeaf {
    path: Vec<String>,
    bound: Option<String>,
    line: usize,
    /// Declared at the top of the file (visible to resolution through it).
    top: bool,
    /// A `pub use`: part of the module's face, followed by resolution but
    /// no dependency of the file's own code.
    reexport: bool,
}

#[derive(Debug)]
struct SourceFile {
    rel: String,
    module: ModPath,
    /// The original lines, for justification comments.
    lines: Vec<String>,
    /// Names of top-level items (fn, struct, mod…).
    defs: HashSet<String>,
    uses: Vec<UseLeaf>,
    /// Inline paths (`crate::a::b`, `super::x`, `child::f`) with their line.
    paths: Vec<(Vec<String>, usize)>,
    /// Every identifier in the code.
    words: HashSet<String>,
}

/// The source with comments and literals blanked out (newlines kept, so
/// lines still match), and `#[cfg(test)]` modules removed.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, s: &[u8]| {
        out.extend(s.iter().map(|&c| if c == b'\n' { b'\n' } else { b' ' }));
    };
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    while i < b.len() {
        let prev_ident = i > 0 && ident(b[i - 1]);
        if b[i..].starts_with(b"//") {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |n| i + n);
            blank(&mut out, &b[i..end]);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let start = i;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            blank(&mut out, &b[start..i]);
        } else if !prev_ident && (b[i] == b'r' || b[i..].starts_with(b"br")) && {
            let j = if b[i] == b'b' { i + 2 } else { i + 1 };
            let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
            b.get(j + hashes) == Some(&b'"')
        } {
            let j = if b[i] == b'b' { i + 2 } else { i + 1 };
            let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
            let body = j + hashes + 1;
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            let end = (body..b.len())
                .find(|&k| b[k..].starts_with(&close))
                .map_or(b.len(), |k| k + close.len());
            blank(&mut out, &b[i..end]);
            i = end;
        } else if b[i] == b'"' || (!prev_ident && b[i..].starts_with(b"b\"")) {
            let start = i;
            i += if b[i] == b'b' { 2 } else { 1 };
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            blank(&mut out, &b[start..i.min(b.len())]);
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a).
            let rest = &b[i + 1..];
            let len = if rest.first() == Some(&b'\\') {
                rest.iter().skip(1).position(|&c| c == b'\'').map(|n| n + 2)
            } else if rest.len() > 1 && rest[1] == b'\'' {
                Some(1)
            } else {
                // Multi-byte UTF-8 char literal.
                let ch = std::str::from_utf8(&rest[..rest.len().min(4)])
                    .ok()
                    .or_else(|| std::str::from_utf8(&rest[..rest.len().min(3)]).ok())
                    .or_else(|| std::str::from_utf8(&rest[..rest.len().min(2)]).ok())
                    .and_then(|s| s.chars().next());
                ch.filter(|c| c.len_utf8() > 1 && rest.get(c.len_utf8()) == Some(&b'\''))
                    .map(char::len_utf8)
            };
            match len {
                Some(n) => {
                    blank(&mut out, &b[i..i + n + 2]);
                    i += n + 2;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    remove_test_modules(&text)
}

/// Blanks `#[cfg(test)] mod name { … }` blocks out: test code may import
/// what it likes.
fn remove_test_modules(text: &str) -> String {
    let mut b = text.as_bytes().to_vec();
    let mut from = 0;
    while let Some(at) = find(&b, b"#[cfg(test)]", from) {
        let after = at + b"#[cfg(test)]".len();
        let rest = String::from_utf8_lossy(&b[after..]).into_owned();
        let trimmed = rest.trim_start();
        let skipped = rest.len() - trimmed.len();
        if trimmed.starts_with("mod ")
            && let Some(open) = b[after + skipped..]
                .iter()
                .position(|&c| c == b'{' || c == b';')
                .map(|n| after + skipped + n)
            && b[open] == b'{'
        {
            let close = matching_brace(&b, open);
            for c in &mut b[at..=close] {
                if *c != b'\n' {
                    *c = b' ';
                }
            }
            from = close;
            continue;
        }
        from = after;
    }
    String::from_utf8(b).expect("blanking keeps UTF-8")
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    (from..hay.len().saturating_sub(needle.len() - 1)).find(|&i| hay[i..].starts_with(needle))
}

fn matching_brace(b: &[u8], open: usize) -> usize {
    let mut depth = 0;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    b.len() - 1
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Splits a `use` tree into its leaves.
fn use_leaves(tree: &str, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let (path, alias) = match tree.split_once(" as ") {
            Some((p, a)) => (p.trim(), Some(a.trim().to_string())),
            None => (tree, None),
        };
        let mut segs: Vec<String> = prefix.to_vec();
        segs.extend(
            path.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        if segs.last().is_some_and(|s| s == "*") {
            segs.pop();
            out.push((segs, None));
            return;
        }
        if segs.last().is_some_and(|s| s == "self") {
            segs.pop();
        }
        let bound = alias.or_else(|| segs.last().cloned());
        out.push((segs, bound.filter(|b| b != "_")));
        return;
    };
    let mut head: Vec<String> = prefix.to_vec();
    head.extend(
        tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    let close = tree.rfind('}').unwrap_or(tree.len());
    let body = &tree[open + 1..close];
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                if !body[start..i].trim().is_empty() {
                    use_leaves(&body[start..i], &head, out);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if !body[start..].trim().is_empty() {
        use_leaves(&body[start..], &head, out);
    }
}

fn parse(rel: &str, src: &str) -> SourceFile {
    let mut module: ModPath = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
        module.pop();
    }
    let text = strip(src);
    let b = text.as_bytes();
    let line_at = |pos: usize| b[..pos].iter().filter(|&&c| c == b'\n').count() + 1;
    let mut defs = HashSet::new();
    let mut uses = Vec::new();
    let mut paths = Vec::new();
    let mut words = HashSet::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut last_word: Option<String> = None;
    while i < b.len() {
        let c = b[i];
        if c == b'{' {
            depth += 1;
            i += 1;
            continue;
        }
        if c == b'}' {
            depth = depth.saturating_sub(1);
            i += 1;
            continue;
        }
        if !is_ident_byte(c) || (i > 0 && is_ident_byte(b[i - 1])) {
            i += 1;
            continue;
        }
        // A path: ident(::ident)*
        let start = i;
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let s = j;
            while j < b.len() && is_ident_byte(b[j]) {
                j += 1;
            }
            segs.push(text[s..j].to_string());
            if b[j..].starts_with(b"::") && b.get(j + 2).is_some_and(|&c| is_ident_byte(c)) {
                j += 2;
            } else {
                break;
            }
        }
        for s in &segs {
            words.insert(s.clone());
        }
        let first = segs[0].as_str();
        if first == "use" && segs.len() == 1 && b.get(j).is_some_and(u8::is_ascii_whitespace) {
            let end = text[j..].find(';').map_or(text.len(), |n| j + n);
            let before = text[..start].trim_end();
            let reexport = ["pub", "pub(crate)", "pub(super)"]
                .iter()
                .any(|v| before.ends_with(v));
            let mut leaves = Vec::new();
            use_leaves(&text[j..end], &[], &mut leaves);
            for (path, bound) in leaves {
                for s in &path {
                    words.insert(s.clone());
                }
                uses.push(UseLeaf {
                    path,
                    bound,
                    line: line_at(start),
                    top: depth == 0,
                    reexport,
                });
            }
            i = end;
            last_word = None;
            continue;
        }
        const ITEMS: &[&str] = &[
            "fn", "struct", "enum", "trait", "type", "const", "static", "mod", "union",
        ];
        if segs.len() == 1 && depth == 0 && last_word.as_deref().is_some_and(|w| ITEMS.contains(&w))
        {
            defs.insert(segs[0].clone());
        }
        if segs.len() == 1 && last_word.as_deref() == Some("macro_rules") {
            defs.insert(segs[0].clone());
        }
        if segs.len() > 1 {
            paths.push((segs.clone(), line_at(start)));
        }
        last_word = Some(segs.last().cloned().unwrap_or_default());
        i = j;
    }
    SourceFile {
        rel: rel.to_string(),
        module,
        lines: src.lines().map(str::to_string).collect(),
        defs,
        uses,
        paths,
        words,
    }
}

struct Crate {
    files: BTreeMap<ModPath, SourceFile>,
}

/// What a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A module (a file).
    Module(ModPath),
    /// An item, defined in this module's file.
    Item(ModPath),
}

impl Crate {
    fn is_module(&self, m: &[String]) -> bool {
        self.files.contains_key(m)
    }

    fn children(&self, m: &[String]) -> impl Iterator<Item = &String> {
        self.files
            .keys()
            .filter(move |k| k.len() == m.len() + 1 && k[..m.len()] == *m)
            .map(|k| &k[m.len()])
    }

    /// Where `segs`, written in module `cur`, leads.
    fn resolve(
        &self,
        cur: &[String],
        segs: &[String],
        seen: &mut HashSet<(ModPath, String)>,
    ) -> Option<Target> {
        let (mut m, rest): (ModPath, &[String]) = match segs.first()?.as_str() {
            "crate" => (Vec::new(), &segs[1..]),
            "super" => {
                let mut m = cur.to_vec();
                let mut k = 0;
                while segs.get(k).is_some_and(|s| s == "super") {
                    m.pop();
                    k += 1;
                }
                (m, &segs[k..])
            }
            "self" => (cur.to_vec(), &segs[1..]),
            first if self.children(cur).any(|c| c == first) => (cur.to_vec(), segs),
            first => {
                // A module brought in by a `use` of this file.
                let file = self.files.get(cur)?;
                let leaf = file.uses.iter().find(|u| {
                    u.bound.as_deref() == Some(first)
                        && u.path.first().map(String::as_str) != Some(first)
                })?;
                match self.resolve(cur, &leaf.path, seen)? {
                    Target::Module(m) => (m, &segs[1..]),
                    Target::Item(m) => return Some(Target::Item(m)),
                }
            }
        };
        for (k, seg) in rest.iter().enumerate() {
            let mut next = m.clone();
            next.push(seg.clone());
            if self.is_module(&next) {
                m = next;
                continue;
            }
            let _ = k;
            return Some(Target::Item(self.defining(&m, seg, seen).unwrap_or(m)));
        }
        Some(Target::Module(m))
    }

    /// The module whose file defines `name` as seen from module `m`
    /// (following `use` re-exports and globs); `None` if unknown.
    fn defining(
        &self,
        m: &[String],
        name: &str,
        seen: &mut HashSet<(ModPath, String)>,
    ) -> Option<ModPath> {
        if !seen.insert((m.to_vec(), name.to_string())) {
            return None;
        }
        let file = self.files.get(m)?;
        if file.defs.contains(name) {
            return Some(m.to_vec());
        }
        for leaf in file.uses.iter().filter(|u| u.top) {
            if leaf.bound.as_deref() == Some(name) {
                return match self.resolve(m, &leaf.path, seen)? {
                    Target::Item(d) | Target::Module(d) => Some(d),
                };
            }
        }
        for leaf in file.uses.iter().filter(|u| u.top && u.bound.is_none()) {
            if let Some(Target::Module(g)) = self.resolve(m, &leaf.path, seen)
                && let Some(d) = self.defining(&g, name, seen)
            {
                return Some(d);
            }
        }
        None
    }

    /// The files each file depends on, with the line of each dependency.
    fn edges(&self) -> BTreeMap<ModPath, BTreeMap<ModPath, usize>> {
        let mut edges: BTreeMap<ModPath, BTreeMap<ModPath, usize>> = BTreeMap::new();
        for (m, file) in &self.files {
            let mut add = |to: ModPath, line: usize| {
                if to != *m {
                    edges
                        .entry(m.clone())
                        .or_default()
                        .entry(to)
                        .or_insert(line);
                }
            };
            for leaf in file.uses.iter().filter(|u| !u.reexport) {
                match leaf.bound {
                    Some(_) => {
                        if let Some(Target::Item(d)) =
                            self.resolve(m, &leaf.path, &mut HashSet::new())
                        {
                            add(d, leaf.line);
                        }
                    }
                    None => {
                        let Some(Target::Module(g)) =
                            self.resolve(m, &leaf.path, &mut HashSet::new())
                        else {
                            continue;
                        };
                        // A glob: what of it the file names.
                        let mut used: Vec<&String> = file.words.iter().collect();
                        used.sort();
                        for w in used {
                            if let Some(d) = self.defining(&g, w, &mut HashSet::new()) {
                                add(d, leaf.line);
                            }
                        }
                    }
                }
            }
            for (segs, line) in &file.paths {
                if let Some(Target::Item(d)) = self.resolve(m, segs, &mut HashSet::new()) {
                    add(d, *line);
                }
            }
        }
        edges
    }
}

fn load() -> Crate {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    let mut found: Vec<PathBuf> = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("server/src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = BTreeMap::new();
    for path in found {
        let rel = path
            .strip_prefix(&root)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        // The binary is its own crate; test-only files may import anything.
        if rel.starts_with("bin/") || rel.ends_with("/tests.rs") || rel == "tests.rs" {
            continue;
        }
        let src = std::fs::read_to_string(&path).expect("a source file");
        let file = parse(&rel, &src);
        files.insert(file.module.clone(), file);
    }
    Crate { files }
}

/// Strongly connected components of the file graph (Tarjan's, iterative).
fn cycles(
    edges: &BTreeMap<ModPath, BTreeMap<ModPath, usize>>,
    nodes: &[ModPath],
) -> Vec<Vec<ModPath>> {
    let index_of: HashMap<&ModPath, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n, i)).collect();
    let succ: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges
                .get(n)
                .map(|e| e.keys().filter_map(|t| index_of.get(t).copied()).collect())
                .unwrap_or_default()
        })
        .collect();
    let n = nodes.len();
    let (mut index, mut low, mut on) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut out, mut counter) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some((v, next)) = work.pop() {
            if next == 0 {
                index[v] = counter;
                low[v] = counter;
                counter += 1;
                stack.push(v);
                on[v] = true;
            }
            if let Some(&w) = succ[v].get(next) {
                work.push((v, next + 1));
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on[w] = false;
                    comp.push(nodes[w].clone());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    out.push(comp);
                }
            }
        }
    }
    out
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "lib".into()
    } else {
        m.join("/")
    }
}

#[test]
fn no_import_cycle_spans_more_than_three_files() {
    let krate = &load();
    let edges = krate.edges();
    let nodes: Vec<ModPath> = krate.files.keys().cloned().collect();
    let big: Vec<Vec<ModPath>> = cycles(&edges, &nodes)
        .into_iter()
        .filter(|c| c.len() > MAX_CYCLE)
        .collect();
    let report: Vec<String> = big
        .iter()
        .map(|c| {
            let members: BTreeSet<&ModPath> = c.iter().collect();
            let inner: Vec<String> = c
                .iter()
                .flat_map(|from| {
                    edges
                        .get(from)
                        .into_iter()
                        .flatten()
                        .filter(|(to, _)| members.contains(to))
                        .map(move |(to, line)| {
                            format!("    {}:{line} -> {}", krate.files[from].rel, show(to))
                        })
                })
                .collect();
            format!("  a cycle of {} files:\n{}", c.len(), inner.join("\n"))
        })
        .collect();
    assert!(
        big.is_empty(),
        "import cycles longer than {MAX_CYCLE} files in server/src:\n{}",
        report.join("\n")
    );
}

#[test]
fn imports_go_down_the_layers() {
    let krate = load();
    let edges = krate.edges();
    let mut unjustified = Vec::new();
    let mut justified = Vec::new();
    for (from, targets) in &edges {
        let (lf, pf) = layer_of(from);
        for (to, &line) in targets {
            let (lt, pt) = layer_of(to);
            if lt <= lf {
                continue;
            }
            let file = &krate.files[from];
            let why = (line.saturating_sub(4)..line)
                .filter_map(|l| file.lines.get(l))
                .any(|l| l.contains("Upward import:"));
            let text = format!(
                "{}:{line} ({pf}, layer {lf}) imports {} ({pt}, layer {lt})",
                file.rel,
                show(to)
            );
            if why {
                justified.push(text)
            } else {
                unjustified.push(text)
            }
        }
    }
    assert!(
        unjustified.is_empty(),
        "{} imports go up a layer; move the code, invert the dependency, or justify it with an \
         `Upward import:` comment:\n  {}",
        unjustified.len(),
        unjustified.join("\n  ")
    );
    assert!(
        justified.len() <= MAX_UPWARD,
        "more than {MAX_UPWARD} justified upward imports:\n  {}",
        justified.join("\n  ")
    );
}

/// The checker itself: it must see what it is meant to see.
#[test]
fn the_checker_resolves_reexports_globs_and_inline_paths() {
    let mut files = BTreeMap::new();
    for (rel, src) in [
        ("lib.rs", "mod a; mod b; pub use a::Thing;"),
        (
            "a/mod.rs",
            "mod inner; pub use inner::*; pub fn helper() {}",
        ),
        (
            "a/inner.rs",
            "pub struct Thing; // crate::b::nothing\nconst S: &str = \"crate::b::x\";",
        ),
        (
            "b/mod.rs",
            "use crate::Thing;\nfn f() { crate::a::helper(); }",
        ),
        (
            "b/c.rs",
            "use super::*;\nuse crate::a::*;\nfn g(_: Thing) {}",
        ),
    ] {
        let f = parse(rel, src);
        files.insert(f.module.clone(), f);
    }
    let krate = Crate { files };
    let edges = krate.edges();
    let to = |from: &str| -> Vec<String> {
        let m: ModPath = if from.is_empty() {
            vec![]
        } else {
            from.split('/').map(str::to_string).collect()
        };
        edges
            .get(&m)
            .map(|e| e.keys().map(|k| show(k)).collect())
            .unwrap_or_default()
    };
    // A re-export leads to the defining file; comments and strings are not code.
    assert_eq!(to("b"), ["a", "a/inner"]);
    assert_eq!(to("a/inner"), Vec::<String>::new());
    // A glob counts only for the names the file uses.
    assert_eq!(to("b/c"), ["a/inner"]);
    // A `pub use` is followed by others, but is no dependency of its own.
    assert_eq!(to(""), Vec::<String>::new());
    let nodes: Vec<ModPath> = krate.files.keys().cloned().collect();
    assert!(cycles(&edges, &nodes).is_empty());
}
