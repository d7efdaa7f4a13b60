//! `auth keygen`: a new RSA key for a system identity, and its public JWKS, written to a
//! directory no other user could change, never replacing a file.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sandbox;

use super::super::Ctx;

/// The size of keys `auth keygen` makes (NHS tooling makes 4096-bit keys).
const KEYGEN_BITS: usize = 4096;

/// What `auth keygen` wrote.
pub(crate) struct Made {
    /// The private key (PKCS#8 PEM, mode 0600).
    pub pem: PathBuf,
    /// The public JWKS to register with the platform.
    pub jwks: PathBuf,
}

/// Check `kid` and `out`, then make the key and write both files into `out`.
pub(crate) fn make(ctx: &Ctx, kid: &str, out: &Path) -> Result<Made> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    let kid = kid.trim();
    if kid.is_empty()
        || !kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        || kid.starts_with('.')
    {
        return Err(Error::usage(format!(
            "--kid {kid:?}: use letters, digits, '-', '_' and '.' (it names the files)"
        )));
    }
    // A directory that does not exist yet is made, 0700 (its parents checked first).
    if std::fs::symlink_metadata(out).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
        crate::private::ensure_private_dir(out)?;
        ctx.note(&format!("made the directory {} (mode 0700)", out.display()));
    }
    if !out.is_dir() {
        return Err(Error::usage(format!(
            "{} is not a directory",
            out.display()
        )));
    }
    // A private key only in a directory no other user could change (before the slow work).
    crate::private::check_safe_dir(out)?;
    // And one we can write in: found out now, not after making the key.
    tempfile::Builder::new()
        .prefix(".cpis-keygen-check-")
        .tempfile_in(out)
        .map_err(|e| {
            Error::usage(format!("cannot write in {}: {e}", out.display()))
                .with_hint("no key was made; choose a directory you can write in with --out")
        })?;
    let (pem_name, jwks_name) = (format!("{kid}.pem"), format!("{kid}.jwks.json"));
    for name in [&pem_name, &jwks_name] {
        if out.join(name).symlink_metadata().is_ok() {
            return Err(Error::usage(format!(
                "{} already exists: cpis never replaces a key",
                out.join(name).display()
            ))
            .with_hint("choose another --kid, or move the old files away first"));
        }
    }
    ctx.note(&format!(
        "making a {KEYGEN_BITS}-bit RSA key (this takes a few seconds)"
    ));
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, KEYGEN_BITS)
        .map_err(|e| Error::unexpected(format!("cannot make a key: {e}")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::unexpected(format!("cannot encode the key: {e}")))?;
    let jwks = sandbox::app::public_jwks(&pem, kid).map_err(Error::unexpected)?;
    crate::private::create_file_in(out, &pem_name, pem.as_bytes())?;
    crate::private::create_file_in(out, &jwks_name, crate::render::json(&jwks).as_bytes())?;
    Ok(Made {
        pem: out.join(&pem_name),
        jwks: out.join(&jwks_name),
    })
}
