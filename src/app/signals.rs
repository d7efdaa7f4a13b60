//! Signals a command stops on: Ctrl-C, and for long runs SIGTERM and SIGHUP too.

use crate::error::{Error, Result};

/// A future that completes on Ctrl-C (SIGINT). The handler is installed when this returns.
pub fn interrupt_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    return on_any_signal(&[(tokio::signal::unix::SignalKind::interrupt(), "SIGINT")]);
    #[cfg(not(unix))]
    return Ok(ctrl_c());
}

/// A future that completes when a long-running command is asked to stop: SIGINT (Ctrl-C),
/// SIGTERM or SIGHUP on unix, Ctrl-C elsewhere. On unix the handlers are installed when this
/// returns, so a signal that arrives later is never missed.
pub fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::SignalKind;
        on_any_signal(&[
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ])
    }
    #[cfg(not(unix))]
    return Ok(ctrl_c());
}

/// Install a handler for each signal now; the future completes on the first to arrive.
#[cfg(unix)]
fn on_any_signal(
    kinds: &[(tokio::signal::unix::SignalKind, &str)],
) -> Result<impl std::future::Future<Output = ()>> {
    let mut streams = kinds
        .iter()
        .map(|(kind, name)| {
            tokio::signal::unix::signal(*kind)
                .map_err(|e| Error::unexpected(format!("cannot handle {name}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(std::future::poll_fn(move |cx| {
        if streams.iter_mut().any(|s| s.poll_recv(cx).is_ready()) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }))
}

#[cfg(not(unix))]
async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}
