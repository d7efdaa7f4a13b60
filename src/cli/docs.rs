//! `cpis completions SHELL` and `cpis man [DIR]`: generated at run time from the clap
//! definition, the same text as the checked-in copies under `completions/` and `man/`.

use std::path::Path;

use super::generate;
use crate::error::{Error, Result};

pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut cmd = super::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "cpis", &mut buf);
    Ok(crate::ui::print_stdout(&String::from_utf8_lossy(&buf))?)
}

pub fn man(ctx: &crate::app::Ctx, dir: Option<&Path>) -> Result<()> {
    let pages = generate::man_pages();
    let Some(dir) = dir else {
        return Ok(crate::ui::print_stdout(&String::from_utf8_lossy(
            &pages["cpis.1"],
        ))?);
    };
    if !dir.is_dir() {
        return Err(
            Error::usage(format!("{} is not a directory", dir.display()))
                .with_hint("create it first, e.g. mkdir -p ~/.local/share/man/man1"),
        );
    }
    for (name, bytes) in &pages {
        crate::private::write_file_in(dir, name, bytes)?;
    }
    ctx.note(&format!(
        "wrote {} man pages to {}",
        pages.len(),
        dir.display()
    ));
    Ok(())
}
