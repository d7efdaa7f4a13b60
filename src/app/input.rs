//! What the user gives: an NHS number (an argument, its three groups, or standard input), a
//! date of birth, a care setting; each refused before anything is sent when it cannot be used.

use crate::config::care::CareSetting;
use crate::error::{Error, Result};
use crate::nhs_number::NhsNumber;

/// The longest standard input read for an NHS number, in bytes.
const MAX_NUMBER_INPUT: u64 = 256;

/// The NHS number from one argument or its three groups, for `lookup` (which has
/// `--no-validate`).
pub fn parse_number(parts: &[String], no_validate: bool) -> Result<NhsNumber> {
    parse_number_for(parts, no_validate, true)
}

/// The NHS number from one argument or its three groups. `offers_no_validate`: the command
/// has `--no-validate`, so a number failing only its checksum is told about it.
pub fn parse_number_for(
    parts: &[String],
    no_validate: bool,
    offers_no_validate: bool,
) -> Result<NhsNumber> {
    use crate::nhs_number::NhsNumberError;
    let joined = parts.join(" ");
    let parsed = if no_validate {
        NhsNumber::parse_unchecked(&joined)
    } else {
        NhsNumber::parse(&joined)
    };
    parsed.map_err(|e| {
        let err = Error::usage(format!(
            "invalid NHS number \"{}\": {e}",
            crate::sanitize::echo(&joined)
        ));
        let checksum = matches!(
            e,
            NhsNumberError::CheckDigit { .. } | NhsNumberError::NeverValid
        );
        if checksum && offers_no_validate && !no_validate {
            err.with_hint(
                "nothing was sent. --no-validate skips the Modulus 11 check, for test data only",
            )
        } else {
            err.with_hint("nothing was sent")
        }
    })
}

/// Refuse several NHS numbers (`cpis lookup A B`): lookup takes one, given whole or as its
/// three groups; several are a batch. Two or more arguments of which one alone is ten digits
/// are several numbers.
pub fn several_numbers(parts: &[String]) -> Result<()> {
    let whole = parts
        .iter()
        .filter(|p| NhsNumber::parse_unchecked(p).is_ok())
        .count();
    if parts.len() > 1 && whole > 0 {
        return Err(Error::usage(format!(
            "lookup takes one NHS number, and was given {} arguments{}",
            parts.len(),
            if whole > 1 {
                format!(" ({whole} of them whole NHS numbers)")
            } else {
                String::new()
            }
        ))
        .with_hint(
            "nothing was sent. Give one number (whole, or as its three groups `943 476 5919`); for several, use `cpis batch -` with one number a line, e.g. `printf '%s\\n' NUMBER1 NUMBER2 | cpis batch - --scheduled`",
        ));
    }
    Ok(())
}

/// Whether the NHS number is to be read from standard input: the single argument `-`. A `-`
/// among other arguments is refused.
pub fn number_on_stdin(parts: &[String]) -> Result<bool> {
    match parts {
        [one] if one == "-" => Ok(true),
        _ if parts.iter().any(|p| p == "-") => Err(Error::usage(
            "`-` (read the NHS number from standard input) must be the only NHS_NUMBER argument",
        )
        .with_hint("nothing was sent")),
        _ => Ok(false),
    }
}

/// All of standard input as text, at most `max` bytes; `what` names it in errors.
pub fn read_stdin(what: &str, max: u64) -> Result<String> {
    read_limited(std::io::stdin().lock(), what, max)
}

/// All of `r` as UTF-8 text, at most `max` bytes (more is refused, not cut short).
pub fn read_limited(r: impl std::io::Read, what: &str, max: u64) -> Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    r.take(max + 1).read_to_end(&mut bytes).map_err(|e| {
        Error::usage(format!("cannot read {what}: {e}")).with_hint("nothing was sent")
    })?;
    if bytes.len() as u64 > max {
        return Err(Error::usage(format!("{what} is longer than {max} bytes"))
            .with_hint("nothing was sent"));
    }
    String::from_utf8(bytes).map_err(|_| {
        Error::usage(format!("{what} is not UTF-8 text")).with_hint("nothing was sent")
    })
}

/// The NHS number on standard input: one line, trimmed, validated as an argument is.
pub fn number_from_stdin(no_validate: bool) -> Result<NhsNumber> {
    number_from_stdin_for(no_validate, true)
}

/// [`number_from_stdin`] for a command with or without `--no-validate`.
pub fn number_from_stdin_for(no_validate: bool, offers_no_validate: bool) -> Result<NhsNumber> {
    let what = "the NHS number on standard input";
    let text = read_stdin(what, MAX_NUMBER_INPUT)?;
    let line = text.trim();
    if line.is_empty() {
        return Err(Error::usage(format!("{what} is missing: standard input is empty"))
            .with_hint("nothing was sent. Give the number on one line, e.g. `echo 9990000018 | cpis lookup - --scheduled`"));
    }
    if line.contains('\n') {
        return Err(
            Error::usage(format!("{what} is more than one line: give one NHS number"))
                .with_hint("nothing was sent. For many numbers use `cpis batch`"),
        );
    }
    parse_number_for(&[line.to_string()], no_validate, offers_no_validate)
}

/// The refusal when standard input holds the NHS number (or a note) and a question would be
/// asked on it too.
pub fn stdin_taken(what: &str, instead: &str) -> Error {
    Error::usage(format!(
        "standard input holds {what}, so it cannot also answer the confirmation question"
    ))
    .with_hint(format!("nothing was sent. {instead}"))
}

/// The care setting from `--scheduled`/`--unscheduled`, else the profile, else a refusal.
pub fn care_from_flags(
    scheduled: bool,
    unscheduled: bool,
    configured: Option<CareSetting>,
) -> Result<CareSetting> {
    match (scheduled, unscheduled) {
        (true, _) => Ok(CareSetting::Scheduled),
        (_, true) => Ok(CareSetting::Unscheduled),
        _ => configured.ok_or_else(|| {
            Error::usage(format!(
                "say which care setting this lookup is for: --scheduled or --unscheduled\n{}",
                CareSetting::EXPLANATION
            ))
            .with_hint("nothing was sent. To set a default for this workstation: cpis config set care_setting scheduled")
        }),
    }
}

/// `--dob YYYY-MM-DD`, checked for shape before anything is sent.
pub fn parse_dob(dob: Option<&str>) -> Result<Option<String>> {
    let Some(d) = dob else { return Ok(None) };
    let d = d.trim();
    if d.len() != 10 || crate::timeutil::parse_date_days(d).is_none() {
        return Err(Error::usage(format!(
            "--dob \"{}\" is not a date: use YYYY-MM-DD",
            crate::sanitize::echo(d)
        ))
        .with_hint("nothing was sent"));
    }
    Ok(Some(d.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_groups_or_one_argument() {
        let a = parse_number(&["943".into(), "476".into(), "5919".into()], false).unwrap();
        let b = parse_number(&["943-476-5919".into()], false).unwrap();
        assert_eq!(a, b);
        let e = parse_number(&["9434765918".into()], false).unwrap_err();
        assert!(e.message.contains("Modulus 11"), "{}", e.message);
        assert_eq!(e.exit_code(), 2);
        assert!(parse_number(&["9912003890".into()], true).is_ok());
    }
}
