//! The architecture test: reads every `crate::` and `super::` path in `src/` (test modules
//! aside) and fails when a module reaches a layer above its own or one command reaches
//! another; and the manifests and sources of `crates/` for the rule that the sandbox uses only
//! the shared core, never the tool, and that the sandbox's own files import one way
//! (`SANDBOX_LAYERS`). The layers are README's "How the code is laid
//! out". What the code still does against the rules is listed in `KNOWN`, exactly: a new
//! crossing fails, and so does one that has been removed but is still listed, so the list only
//! shrinks.

use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module of `src/` and its layer: a module may use its own layer and those
/// below it. The sandbox (its own layer) may use only layer 0.
const LAYERS: &[(&str, u8)] = &[
    // 0: core: what everything shares.
    ("env", 0),
    ("error", 0),
    ("nhs_number", 0),
    ("sanitize", 0),
    ("timeutil", 0),
    ("secret", 0),
    ("private", 0),
    ("paste", 0),
    ("ui", 0),
    // 1: settings, the network (reqwest, DNS, proxies, TLS trust, certificates), local state.
    ("config", 1),
    ("net", 1),
    ("credentials", 1),
    ("store", 1),
    // 2: the NHS API platform client, and what CP-IS holds whichever route answered.
    ("api::platform", 2),
    ("api::record", 2),
    // 3: the APIs on the platform (none imports another: see `THE_APIS`), and sign-in.
    ("api::cpis", 3),
    ("api::pds", 3),
    ("api::flags", 3),
    ("api::v3", 3),
    ("auth", 3),
    // 4: diagnosis and rendering (pure).
    ("doctor", 4),
    ("render", 4),
    // 5: the workflows below the commands (typed values in and out).
    ("app", 5),
    // 5: the embedded sandbox (its own crate, crates/sandbox, re-exported as `sandbox`).
    ("sandbox", 5),
    // 6: the commands, each with its arguments.
    ("commands", 6),
    // 7: the command line: its definition (built from the commands' arguments), running it,
    // and what is generated from it.
    ("cli", 7),
];

/// The APIs on the platform client: none of them imports another (what two of them share
/// belongs in `api::platform` or `api::record`).
const THE_APIS: &[&str] = &["api::cpis", "api::pds", "api::flags", "api::v3"];

/// The files of `src/commands/` that are commands (the others are shared by them).
const COMMANDS: &[&str] = &[
    "alert", "auth", "batch", "config", "doctor", "lookup", "sandbox",
];

/// Crossings the code still makes (from -> to), each to be removed by moving what is shared
/// down a layer; see README, "How the code is laid out".
const KNOWN: &[(&str, &str)] = &[];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The module a file of `src/` belongs to, from its path: the top-level directory or file,
/// and for `api/` the API below it (`api/cpis/mod.rs` is `api::cpis`); `None` for the crate
/// root and `api/mod.rs`, which only declare modules.
fn module_of_file(rel: &str) -> Option<String> {
    let mut parts = rel.split('/');
    let top = parts.next()?.trim_end_matches(".rs");
    match top {
        "lib" | "main" => None,
        "api" => match parts.next()?.trim_end_matches(".rs") {
            "mod" => None,
            m => Some(format!("api::{m}")),
        },
        t => Some(t.to_string()),
    }
}

/// The source without its `#[cfg(test)]` modules and comments (a rough cut that suffices for
/// this code base: test modules come last in their files).
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every name that follows `prefix` (`crate::NAME`, `super::NAME`), including the names
/// inside `prefix{a, b::c}` groups.
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        // `api::NAME` (or `api::{a, b}`) names the API below `api`.
        let (rest_here, api) = match rest.strip_prefix("api::") {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let name = |n: String| if api { format!("api::{n}") } else { n };
        if let Some(group) = rest_here.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let n = ident(part.trim());
                if !n.is_empty() {
                    out.insert(name(n));
                }
            }
        } else {
            let n = ident(rest_here);
            if !n.is_empty() {
                out.insert(name(n));
            }
        }
    }
    out
}

/// Every `.rs` file below `dir` (for the tests that read the source).
pub(crate) fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every crossing the code makes: (from, to).
fn crossings() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut found = BTreeSet::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some(top) = module_of_file(&rel) else {
            continue;
        };
        let from = layer(&top).unwrap_or_else(|| panic!("src/{rel}: {top} has no layer in LAYERS"));
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        let mut used: BTreeSet<String> = names_after(&code, "crate::");
        // Inside `api/`, `super::` (from `api/NAME.rs` or `api/NAME/mod.rs`) and
        // `super::super::` (from a file below that) reach the other APIs too.
        if top.starts_with("api::") {
            let prefix = if rel.matches('/').count() >= 2 && !rel.ends_with("/mod.rs") {
                "super::super::"
            } else {
                "super::"
            };
            used.extend(
                names_after(&code, prefix)
                    .into_iter()
                    .filter(|n| n != "super")
                    .map(|n| format!("api::{n}")),
            );
        }
        for to in used {
            if to == top {
                continue;
            }
            let Some(l) = layer(&to) else {
                // A module of ours without a layer (an old path kept as an alias, say) is
                // reported; the crate root's constants (`crate::USER_AGENT`) are not modules.
                if to.starts_with(|c: char| c.is_ascii_lowercase()) {
                    found.insert((top.clone(), format!("{to} (no layer in LAYERS)")));
                }
                continue;
            };
            let allowed = if top == "sandbox" { l == 0 } else { l <= from };
            // The APIs on the platform stand beside each other: none imports another, nor
            // sign-in (what a route needs of the signed-in user is the workflows' business).
            let beside = THE_APIS.contains(&top.as_str())
                && (THE_APIS.contains(&to.as_str()) || to == "auth");
            if !allowed || beside {
                found.insert((top.clone(), to));
            }
        }
        // One command never reaches another.
        if let Some(cmd) = rel
            .strip_prefix("commands/")
            .map(|f| f.trim_end_matches(".rs"))
            .filter(|c| COMMANDS.contains(c))
        {
            for to in names_after(&code, "super::") {
                if to != cmd && COMMANDS.contains(&to.as_str()) {
                    found.insert((format!("commands::{cmd}"), format!("commands::{to}")));
                }
            }
        }
    }
    found
}

#[test]
fn no_module_reaches_above_its_layer_and_the_sandbox_reaches_only_the_core() {
    let found = crossings();
    let known: BTreeSet<(String, String)> = KNOWN
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&known).collect();
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        new.is_empty(),
        "imports that cross the layers (move what is shared down a layer): {new:?}"
    );
    assert!(
        gone.is_empty(),
        "crossings removed from the code: take them out of KNOWN too: {gone:?}"
    );
}

#[test]
fn the_checker_sees_paths_groups_and_inline_uses() {
    let code = "use crate::{config, http::Client};\nlet x = crate::v3::query();\nlet y = my_crate::z;\nuse super::lookup::{a, b};\nuse crate::api::platform::Reply;\nuse crate::api::{pds, record::Plan};";
    let names = names_after(code, "crate::");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        [
            "api::pds",
            "api::platform",
            "api::record",
            "config",
            "http",
            "v3"
        ]
    );
    assert_eq!(
        module_of_file("api/cpis/patient.rs").as_deref(),
        Some("api::cpis")
    );
    assert_eq!(module_of_file("api/mod.rs"), None);
    assert_eq!(module_of_file("net/http.rs").as_deref(), Some("net"));
    assert_eq!(
        names_after(code, "super::").into_iter().collect::<Vec<_>>(),
        ["lookup"]
    );
}

/// Each file of `crates/sandbox/src/` and its layer: a file may use only files of layers below
/// its own (never one beside it), so the sandbox's files form no circle. Below all: the leaf
/// HTTP helper and the vocabulary; in the middle the services' own state and `state`, which
/// holds it; above them the services that answer requests; on top the router.
const SANDBOX_LAYERS: &[(&str, u8)] = &[
    // 0: leaves: the HTTP helper, the vocabulary, the errors, the built-in application.
    ("http", 0),
    ("vocab", 0),
    ("error", 0),
    ("app", 0),
    // 1: the synthetic patients; TLS material.
    ("patients", 1),
    ("tls", 1),
    // 2: PDS, the alerts received, the mock CIS2.
    ("pds", 2),
    ("alerts", 2),
    ("cis2", 2),
    // 3: OAuth (signs in CIS2's users); Patient Flags (knows PDS's cases).
    ("oauth", 3),
    ("flags", 3),
    // 4: what a running sandbox keeps, and the platform's token check.
    ("state", 4),
    // 5: the services that read and change that state.
    ("cpis_fhir", 5),
    ("mhs", 5),
    // 6: the router, above every service.
    ("server", 6),
];

/// The items the sandbox's crate root defines (`pub struct Options`, `pub async fn start`):
/// the root declares and starts every module, so a module that used one of them would
/// close a circle through it.
fn root_items(lib: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code_of(lib).lines() {
        let line = line.trim_start();
        for kw in [
            "pub struct ",
            "pub enum ",
            "pub fn ",
            "pub async fn ",
            "pub const ",
        ] {
            if let Some(rest) = line.strip_prefix(kw) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.insert(name);
            }
        }
    }
    out
}

/// Every use one file of the sandbox makes of another of its own layer or above, or of the
/// crate root (`lib`): (from, to). `files` are (path below `crates/sandbox/src`, source); in
/// the top-level files `super::` is the crate root, as `crate::` is.
fn sandbox_crossings_in(files: &[(String, String)]) -> BTreeSet<(String, String)> {
    let layer = |m: &str| {
        SANDBOX_LAYERS
            .iter()
            .find(|(n, _)| *n == m)
            .map(|(_, l)| *l)
    };
    let root = files
        .iter()
        .find(|(rel, _)| rel == "lib.rs")
        .map(|(_, code)| root_items(code))
        .unwrap_or_default();
    let mut found = BTreeSet::new();
    for (rel, text) in files {
        let top = rel.split('/').next().unwrap().trim_end_matches(".rs");
        if top == "lib" {
            continue;
        }
        let from = layer(top).unwrap_or_else(|| {
            panic!("crates/sandbox/src/{rel}: {top} has no layer in SANDBOX_LAYERS")
        });
        let code = code_of(text);
        let mut used = names_after(&code, "crate::");
        if !rel.contains('/') {
            used.extend(names_after(&code, "super::"));
        }
        for to in used {
            if to == top {
                continue;
            }
            if root.contains(&to) {
                found.insert((top.to_string(), format!("lib ({to})")));
            } else if layer(&to).is_some_and(|l| l >= from) {
                found.insert((top.to_string(), to));
            }
        }
    }
    found
}

/// The sandbox's sources: (path below `crates/sandbox/src`, source).
fn sandbox_sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sandbox/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

#[test]
fn the_sandbox_files_import_one_way() {
    let found = sandbox_crossings_in(&sandbox_sources());
    assert!(
        found.is_empty(),
        "sandbox files that use one of their own layer or above (move what is shared down a layer): {found:?}"
    );
    // Every file of the sandbox has a layer, and every layer names a file.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sandbox/src");
    for (m, _) in SANDBOX_LAYERS {
        assert!(
            src.join(format!("{m}.rs")).exists() || src.join(m).join("mod.rs").exists(),
            "SANDBOX_LAYERS names {m}, which is no file of crates/sandbox/src"
        );
    }
}

#[test]
fn the_sandbox_check_sees_a_circle() {
    let file = |rel: &str, code: &str| (rel.to_string(), code.to_string());
    let files = [
        file(
            "lib.rs",
            "pub mod mhs;\npub struct Options {}\npub async fn start() {}",
        ),
        // The circle this check was written against: mhs used the router's State.
        file(
            "mhs.rs",
            "use super::server::State;\nuse super::http::Resp;",
        ),
        file("server.rs", "use super::mhs;\nuse super::state::State;"),
        file(
            "state.rs",
            "use crate::{oauth, cpis_fhir::BASE_PATH};\nlet o = crate::Options {};",
        ),
        file(
            "http.rs",
            "#[cfg(test)]\nmod tests {\n    use super::super::server;\n}",
        ),
    ];
    let found: Vec<_> = sandbox_crossings_in(&files).into_iter().collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        found,
        [
            pair("mhs", "server"),
            pair("state", "cpis_fhir"),
            pair("state", "lib (Options)")
        ]
    );
}

/// The `[dependencies]` table of a manifest, as `name` lines.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line.ends_with("dependencies]") && !line.contains("dev-");
            continue;
        }
        if inside && !line.is_empty() && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                out.push(name.trim().to_string());
            }
        }
    }
    out
}

#[test]
fn the_sandbox_crate_uses_only_the_core_and_the_core_nothing_of_ours() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates");
    let read = |p: &str| std::fs::read_to_string(crates.join(p)).unwrap();
    let sandbox = dependencies(&read("sandbox/Cargo.toml"));
    assert!(sandbox.contains(&"cpis-core".to_string()), "{sandbox:?}");
    let ours: Vec<_> = sandbox.iter().filter(|d| d.starts_with("cpis")).collect();
    assert_eq!(ours, ["cpis-core"], "the sandbox may use only cpis-core");
    let core = dependencies(&read("core/Cargo.toml"));
    assert!(!core.iter().any(|d| d.starts_with("cpis")), "{core:?}");
    for krate in ["sandbox", "core"] {
        let mut files = Vec::new();
        sources(&crates.join(krate).join("src"), &mut files);
        for f in files {
            let code = code_of(&std::fs::read_to_string(&f).unwrap());
            assert!(
                names_after(&code, "cpis::").is_empty(),
                "{} uses the tool (cpis::)",
                f.display()
            );
        }
    }
}

#[test]
fn only_ui_writes_to_the_terminal() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let writes = [
        "print!(",
        "println!(",
        "eprint!(",
        "eprintln!(",
        "io::stdout()",
        "io::stderr()",
        // Prompts and progress bars are the terminal's too.
        "dialoguer::",
        "indicatif::",
    ];
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("ui/") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(&file).unwrap());
        for w in writes {
            if code.contains(w) {
                found.push(format!("src/{rel}: {w}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "only src/ui writes to standard output or standard error, or prompts: {found:?}"
    );
}

/// `render` is pure: it is given what the terminal can show (`ui::Terminal`), and asks `ui`
/// nothing (its re-exports of `ui`'s functions aside, kept for old paths).
#[test]
fn render_is_given_the_terminal_and_asks_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/render");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    for f in files {
        let code = code_of(&std::fs::read_to_string(&f).unwrap());
        for line in code
            .lines()
            .filter(|l| !l.trim_start().starts_with("pub use "))
        {
            for asked in [
                "stdout_is_terminal(",
                "stderr_is_terminal(",
                "terminal_width(",
                "colour_enabled(",
                "unicode_marks(",
                "stdout_terminal(",
            ] {
                assert!(
                    !line.contains(asked),
                    "{} asks the terminal itself: {line}",
                    f.display()
                );
            }
        }
    }
}

/// The longest a function may run, in lines from its `fn` to its closing brace.
const MAX_FUNCTION_LINES: usize = 120;

/// The line without its string and character literals and its `//` comment, so that the
/// braces counted are the code's own.
fn braces_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(d) = chars.next() {
                    match d {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            // A character literal ('{', '\''), not a lifetime ('a).
            '\'' => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    chars.nth(2);
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.nth(1);
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            c => out.push(c),
        }
    }
    out
}

/// Every function of `text` and its length in lines: (first line, name, lines). A rough cut
/// that suffices for this code base: raw strings with braces in them do not occur in
/// function bodies.
fn function_lengths(text: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = braces_of(line);
        let trimmed = code.trim_start();
        let after_fn = [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "async ",
            "const ",
            "unsafe ",
        ]
        .iter()
        .fold(trimmed, |t, p| t.strip_prefix(p).unwrap_or(t));
        let after_fn = after_fn.strip_prefix("async ").unwrap_or(after_fn);
        let Some(rest) = after_fn.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i64, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            let l = braces_of(l);
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((i + 1, name.clone(), j - i + 1));
                break;
            }
            // A declaration without a body (in a trait).
            if !opened && l.trim_end().ends_with(';') {
                break;
            }
        }
    }
    out
}

#[test]
fn no_function_runs_over_120_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "crates/core/src", "crates/sandbox/src"] {
        sources(&root.join(dir), &mut files);
    }
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, name, n) in function_lengths(&text) {
            if n > MAX_FUNCTION_LINES {
                let rel = file.strip_prefix(root).unwrap().display().to_string();
                long.push(format!("{rel}:{line} {name} ({n} lines)"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FUNCTION_LINES} lines (split them by what each part does): {long:#?}"
    );
}

#[test]
fn the_function_counter_sees_bodies_strings_and_declarations() {
    let code = "fn a() {\n    let s = \"}\";\n    let c = '{';\n}\ntrait T {\n    fn b(&self);\n}\npub(crate) async fn c<'x>(v: &'x str) -> usize {\n    // }\n    v.len()\n}\n";
    assert_eq!(
        function_lengths(code),
        [(1, "a".to_string(), 4), (8, "c".to_string(), 4)]
    );
}
