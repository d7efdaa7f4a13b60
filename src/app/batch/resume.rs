//! A run's durable state and what makes a rerun resume it: where the state lives, the locks
//! that keep one run at a time, what the run is ([`RunKey`]: a resumed run must be the same),
//! the checks on the output and the state before anything is sent, and which done rows'
//! records are already in the output.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use super::output::{create_private_new, open_append};
use super::{Format, Options};
use crate::app::{Connection, Ctx};
use crate::config::care::CareSetting;
use crate::config::route::Route;
use crate::error::{Error, Result};
use crate::store::batch::{Numbers, RunKey, RunLock, State};

/// The state file: `--state`, else beside the output; on standard output without `--state`,
/// none (the run keeps its state in memory only, and a rerun starts afresh).
pub(super) fn state_path(opts: &Options) -> Option<PathBuf> {
    if let Some(p) = &opts.state {
        return Some(p.clone());
    }
    opts.output.as_ref().map(|out| {
        let mut p = out.clone().into_os_string();
        p.push(".state");
        PathBuf::from(p)
    })
}

/// Only files of ours are used, and one run at a time per output and per state: a second run
/// stops here, before anything is sent. The locks are held while they live.
pub(super) fn lock(opts: &Options, state_file: Option<&Path>) -> Result<Vec<RunLock>> {
    if let (Some(st), Some(out)) = (state_file, &opts.output) {
        if st == out {
            return Err(Error::usage("--state and --output must be different files"));
        }
    }
    if let Some(out) = &opts.output {
        crate::private::check_existing_private_file(out, "output")?;
    }
    let mut locks = Vec::new();
    if let Some(out) = &opts.output {
        locks.push(RunLock::acquire(out, "output")?);
    }
    if let Some(st) = state_file {
        crate::store::batch::ensure_parent(st)?;
        locks.push(RunLock::acquire(st, "batch state")?);
    }
    Ok(locks)
}

/// What a run is, for the state to compare on a rerun.
pub(super) struct Facts<'a> {
    pub ctx: &'a Ctx,
    pub conn: &'a Connection,
    pub token: &'a crate::auth::TokenSource,
    pub care: CareSetting,
    pub verify: bool,
    /// The embedded sandbox (which listens on a new port each run).
    pub embedded: bool,
    pub input_hash: String,
    /// The CP-IS client's base URL.
    pub base_url: String,
}

/// The run's key: every setting a resumed run must share with the run it resumes.
pub(super) fn run_key(opts: &Options, f: &Facts) -> Result<RunKey> {
    let (ctx, embedded) = (f.ctx, f.embedded);
    Ok(RunKey {
        care_setting: f.care.as_str().to_string(),
        environment: ctx.settings.environment_label().to_string(),
        base_url: if embedded {
            "embedded sandbox".to_string()
        } else {
            f.base_url.clone()
        },
        input_hash: f.input_hash.clone(),
        pds: if f.verify { "on" } else { "off" }.to_string(),
        pds_base_url: if !f.verify {
            "none (PDS off)".to_string()
        } else if embedded && ctx.settings.pds_base_url.is_none() {
            "embedded sandbox".to_string()
        } else {
            ctx.pds_base(f.conn)?.as_str().to_string()
        },
        column: opts
            .column
            .clone()
            .unwrap_or_else(|| "none (one number per line)".to_string()),
        format: opts.format.name().to_string(),
        output: match &opts.output {
            Some(p) => std::path::absolute(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string(),
            None => "standard output".to_string(),
        },
        route: route_key(f)?,
    })
}

/// The route of the run key, with where it goes.
fn route_key(f: &Facts) -> Result<String> {
    let (ctx, embedded) = (f.ctx, f.embedded);
    Ok(match ctx.settings.route.value {
        Route::Fhir => "fhir".to_string(),
        Route::V3 => {
            let url = crate::app::v3route::preflight(ctx, f.conn, f.token, f.care)?
                .0
                .url;
            if embedded && ctx.settings.v3.mhs_url.is_none() {
                "v3 embedded sandbox".to_string()
            } else {
                format!("v3 {url}")
            }
        }
        Route::Flags => format!(
            "flags {}/{}",
            if embedded && ctx.settings.flags_base_url.is_none() {
                "embedded sandbox".to_string()
            } else {
                ctx.flags_base(f.conn)?.as_str().to_string()
            },
            ctx.settings.flags_path.value
        ),
    })
}

/// The run's state, opened (or made), and whether it resumes an earlier run. An output
/// without its state is never overwritten, nor one `--fresh` would orphan; `--fresh`
/// discards the earlier state (`note` says so).
pub(super) fn open_state(
    opts: &Options,
    state_file: Option<&Path>,
    key: &RunKey,
    note: &dyn Fn(&str),
) -> Result<(State, bool)> {
    let out_exists = opts.output.as_deref().is_some_and(|p| p.exists());
    if let (Some(out), Some(st)) = (&opts.output, state_file) {
        if out_exists && !st.exists() {
            return Err(create_private_new(out)
                .err()
                .unwrap_or_else(|| Error::usage(format!("{} already exists", out.display()))));
        }
        if opts.fresh && out_exists {
            return Err(Error::usage(format!(
                "--fresh starts a new run, and the output {} is still there",
                out.display()
            ))
            .with_hint("nothing was sent or discarded: move the output away (or choose another --output), then run with --fresh again"));
        }
    }
    if opts.fresh {
        if let Some(st) = state_file.filter(|p| p.exists()) {
            State::discard(st)?;
            note(&format!(
                "--fresh: discarded the earlier run's state {}",
                st.display()
            ));
        }
    }
    match state_file {
        Some(p) => State::open(p, key),
        None => Ok((State::in_memory(key)?, false)),
    }
}

/// Note in `numbers` the lines of the input whose records are in an existing output file,
/// reading it a line at a time. A last line cut short (the process died while writing it) is
/// removed, so that its row is written again.
pub(super) fn lines_in_output(path: &Path, format: Format, numbers: &Numbers) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let cannot = |e: std::io::Error| Error::usage(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    // The end of the last complete line: search back from the end, a block at a time.
    let mut complete = 0u64;
    let mut end = len;
    let mut block = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(cannot)?;
        file.read_exact(chunk).map_err(cannot)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            complete = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if complete < len {
        let f = open_append(path)?;
        f.set_len(complete)
            .map_err(|e| Error::unexpected(format!("cannot repair {}: {e}", path.display())))?;
    }
    file.seek(SeekFrom::Start(0)).map_err(cannot)?;
    let mut input = std::io::BufReader::with_capacity(64 * 1024, file.take(complete));
    numbers.begin()?;
    match format {
        Format::Jsonl => {
            /// Only what is needed of a record; the rest is skipped unread.
            #[derive(serde::Deserialize)]
            struct Head {
                #[serde(rename = "type")]
                kind: Option<String>,
                line: Option<u64>,
            }
            let mut buf = Vec::new();
            loop {
                buf.clear();
                if input.read_until(b'\n', &mut buf).map_err(cannot)? == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf);
                if let Ok(Head {
                    kind: Some(kind),
                    line: Some(n),
                }) = serde_json::from_str::<Head>(&text)
                {
                    if kind == "result" {
                        numbers.mark_written(n)?;
                    }
                }
            }
        }
        Format::Csv => {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(input);
            for rec in rdr.records().flatten() {
                if let Some(n) = rec.get(0).and_then(|f| f.parse().ok()) {
                    numbers.mark_written(n)?;
                }
            }
        }
    }
    numbers.commit()
}
