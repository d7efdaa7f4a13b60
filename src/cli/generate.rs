//! Shell completions and man pages, generated from the clap definition. The checked-in copies
//! under `completions/` and `man/` are compared with these by a test.

use std::collections::BTreeMap;

use clap_complete::Shell;

/// Completion scripts: file name -> contents.
pub fn completions() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let mut cmd = crate::cli::command();
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "cpis", &mut buf);
        let name = match shell {
            Shell::Bash => "cpis.bash".to_string(),
            Shell::Zsh => "_cpis".to_string(),
            Shell::Fish => "cpis.fish".to_string(),
            Shell::PowerShell => "_cpis.ps1".to_string(),
            Shell::Elvish => "cpis.elv".to_string(),
            _ => unreachable!("only the shells listed above"),
        };
        out.insert(name, buf);
    }
    out
}

/// The help after the options (`.SH EXTRA`: the examples, output formats, tables) is laid out
/// by hand, line by line: shown unfilled (`.nf` ... `.fi`), so that `man` keeps its line
/// breaks and indentation instead of reflowing it into one paragraph.
fn keep_line_breaks(page: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(page).expect("clap_mangen writes UTF-8");
    let mut out = String::with_capacity(text.len() + 16);
    let mut unfilled = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with(".SH ") && unfilled {
            out.push_str(".fi\n");
            unfilled = false;
        }
        out.push_str(line);
        if line.trim_end() == ".SH EXTRA" {
            out.push_str(".nf\n");
            unfilled = true;
        }
    }
    if unfilled {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(".fi\n");
    }
    out.into_bytes()
}

/// Man pages, one per command and subcommand: file name -> contents.
pub fn man_pages() -> BTreeMap<String, Vec<u8>> {
    fn walk(cmd: clap::Command, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        let name = if prefix.is_empty() {
            cmd.get_name().to_string()
        } else {
            format!("{prefix}-{}", cmd.get_name())
        };
        let cmd = cmd.name(name.clone()).bin_name(name.replace('-', " "));
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd.clone())
            .render(&mut buf)
            .expect("render to memory");
        out.insert(format!("{name}.1"), keep_line_breaks(buf));
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                walk(sub.clone(), &name, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    let mut cmd = crate::cli::command();
    cmd.build();
    walk(cmd, "", &mut out);
    out
}
