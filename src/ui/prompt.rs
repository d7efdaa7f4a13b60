//! Confirmations on the terminal. A question is answered with a whole line: `y`/`yes` or
//! `n`/`no` in any case, then Enter; Enter alone is No. Anything else is asked again (at most
//! three times, then No), so a stray key never confirms and nothing typed is left for the
//! shell. Ctrl-C at a question ends the command: "cancelled: nothing was sent", exit 130.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::{Error, Kind, Result};

/// Times a question is asked before an unreadable answer counts as No.
const ASKS: usize = 3;

/// Is there a terminal to ask on (standard input and standard error)?
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A line typed without echo (a secret, a pasted token), after `prompt`.
pub fn hidden(prompt: &str) -> std::io::Result<String> {
    dialoguer::Password::new()
        .with_prompt(prompt)
        .interact()
        .map_err(|dialoguer::Error::IO(e)| e)
}

/// What a line typed in answer means: `Some(true)` yes, `Some(false)` no (or nothing),
/// `None` neither.
pub fn answer(line: &str) -> Option<bool> {
    match line.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// The error for Ctrl-C at a question.
pub fn cancelled() -> Error {
    Error::new(Kind::Interrupted, "cancelled: nothing was sent")
}

/// The error for a question answered No (exit 2): `what` says what was not done.
pub fn declined(what: &str) -> Error {
    Error::usage(format!("declined: {what}"))
}

/// Ctrl-C, listened for from the moment this returns (before the question is shown).
struct Interrupt {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn listen() -> Result<Self> {
        Ok(Interrupt {
            #[cfg(unix)]
            signal: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
                .map_err(|e| Error::unexpected(format!("cannot handle SIGINT: {e}")))?,
        })
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        self.signal.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// One line from standard input, read on its own thread so that Ctrl-C can be seen while
/// waiting; `None` at end of input.
async fn read_line(interrupt: &mut Interrupt) -> Result<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let r = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map(|n| (n > 0).then_some(line));
        let _ = tx.send(r);
    });
    tokio::select! {
        biased;
        _ = interrupt.recv() => {
            eprintln!();
            Err(cancelled())
        }
        r = rx => match r {
            Ok(Ok(line)) => Ok(line),
            Ok(Err(e)) => Err(Error::unexpected(format!("cannot read the answer: {e}"))),
            Err(_) => Err(Error::unexpected("cannot read the answer")),
        },
    }
}

/// Ask `question` (default No) and wait for the answer. The caller checks [`can_ask`] first.
pub async fn confirm(question: &str) -> Result<bool> {
    let mut interrupt = Interrupt::listen()?;
    for asked in 0..ASKS {
        {
            let mut err = std::io::stderr().lock();
            if asked > 0 {
                let _ = writeln!(err, "please answer yes or no");
            }
            let _ = write!(err, "{question} [y/N] ");
            let _ = err.flush();
        }
        let Some(line) = read_line(&mut interrupt).await? else {
            eprintln!();
            return Ok(false);
        };
        if let Some(yes) = answer(&line) {
            return Ok(yes);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_words_confirm() {
        for yes in ["y", "Y", "yes", "YES", " Yes \n"] {
            assert_eq!(answer(yes), Some(true), "{yes:?}");
        }
        for no in ["", "\n", "n", "No", "NO"] {
            assert_eq!(answer(no), Some(false), "{no:?}");
        }
        for neither in ["es", "ye", "yess", "y y", "sure", "1"] {
            assert_eq!(answer(neither), None, "{neither:?}");
        }
    }
}
