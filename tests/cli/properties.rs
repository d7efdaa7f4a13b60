//! Property tests (`proptest`): invariants cheaper to state than to fuzz. Library-level: no
//! binary, no network, no sleeping (the pacer's schedule runs on a fake clock).

use std::time::Duration;

use cpis::app::batch::{read_rows, Row};
use cpis::nhs_number::{check_digit, NhsNumber};
use cpis::sanitize::{csv_cell, is_unsafe, json_text, sanitize};
use proptest::prelude::*;

/// A valid NHS number: nine digits and their Modulus 11 check digit.
fn valid_number() -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, 9).prop_filter_map("check digit 10", |nine| {
        let c = check_digit(&nine)?;
        Some(
            nine.iter()
                .chain([c].iter())
                .map(|d| char::from(b'0' + d))
                .collect(),
        )
    })
}

/// Text with plenty of what matters here: controls, bidi marks, separators, quotes.
fn nasty_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            Just('\u{1b}'),
            Just('\u{202e}'),
            Just('\u{2066}'),
            Just('\u{2028}'),
            Just('\u{85}'),
            Just('\r'),
            Just('\n'),
            Just('"'),
            Just(','),
            Just('='),
        ],
        0..40,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn nhs_numbers_round_trip_through_every_form(s in valid_number(), seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-")], 11)) {
        let n = NhsNumber::parse(&s).unwrap();
        prop_assert_eq!(n.digits(), s.clone());
        prop_assert_eq!(n.to_u64(), s.parse::<u64>().unwrap());
        prop_assert_eq!(NhsNumber::parse(&n.to_string()).unwrap(), n);
        // Spaces and dashes anywhere (and around) are tolerated.
        let mut spaced = String::new();
        for (i, c) in s.chars().enumerate() {
            spaced.push_str(seps[i]);
            spaced.push(c);
        }
        spaced.push_str(seps[10]);
        prop_assert_eq!(NhsNumber::parse(&spaced).unwrap(), n);
    }

    #[test]
    fn whatever_parses_formats_back_to_itself(s in "[0-9 -]{0,14}|\\PC{0,12}") {
        if let Ok(n) = NhsNumber::parse(&s) {
            prop_assert!(n.is_valid());
            prop_assert_eq!(NhsNumber::parse(&n.digits()).unwrap(), n);
            prop_assert_eq!(NhsNumber::parse(&n.to_string()).unwrap(), n);
        }
    }

    #[test]
    fn a_wrong_check_digit_never_parses(s in valid_number(), d in 0u8..10) {
        let mut wrong: Vec<u8> = s.bytes().collect();
        prop_assume!(wrong[9] != b'0' + d);
        wrong[9] = b'0' + d;
        prop_assert!(NhsNumber::parse(std::str::from_utf8(&wrong).unwrap()).is_err());
    }

    #[test]
    fn sanitising_is_idempotent_and_leaves_no_control_or_bidi_character(s in nasty_text()) {
        let once = sanitize(&s);
        prop_assert!(!once.chars().any(is_unsafe), "{:?}", once);
        prop_assert_eq!(sanitize(&once), once.clone());
        // Only unsafe characters change, one for one.
        prop_assert_eq!(once.chars().count(), s.chars().count());
        let cell = csv_cell(&s);
        prop_assert!(!cell.chars().any(is_unsafe));
        prop_assert_eq!(csv_cell(&cell), cell.clone());
        prop_assert!(!cell.starts_with(['=', '+', '-', '@']));
    }

    #[test]
    fn json_text_is_the_same_value_with_nothing_unsafe_shown(s in nasty_text()) {
        let v = serde_json::json!({"text": s, "list": [s.clone(), 1]});
        let raw = serde_json::to_string_pretty(&v).unwrap();
        let shown = json_text(&raw);
        prop_assert!(!shown.chars().any(|c| is_unsafe(c) && !matches!(c, '\n' | '\r' | '\t')));
        prop_assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap(), v);
    }

    /// Every row written to a batch input, as plain lines or as CSV (quoted, with other
    /// columns, LF or CRLF, a BOM or not), is read back with its number and its line.
    #[test]
    fn every_batch_row_parses_back(
        rows in proptest::collection::vec((valid_number(), nasty_text(), any::<bool>()), 1..30),
        crlf in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut plain = if bom { "\u{feff}".to_string() } else { String::new() };
        for (n, _, _) in &rows {
            plain.push_str(n);
            plain.push_str(eol);
        }
        let got = read_rows(plain.as_bytes(), None).unwrap();
        let want: Vec<Row> = rows
            .iter()
            .enumerate()
            .map(|(i, (n, _, _))| Row { line: i as u64 + 1, raw: n.clone(), dob: None })
            .collect();
        prop_assert_eq!(got, want);

        let mut w = csv::WriterBuilder::new()
            .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
            .from_writer(Vec::new());
        w.write_record(["name", "nhs_number", "dob"]).unwrap();
        // Where each record starts: one line, plus the line breaks inside quoted names.
        let mut line = 2u64;
        let mut want = Vec::new();
        for (n, name, dob) in &rows {
            // A name of only blanks and a blank dob would still hold the number: kept.
            let dob = dob.then_some("2019-07-03");
            let name = format!("n{name}");
            w.write_record([name.as_str(), n.as_str(), dob.unwrap_or("")]).unwrap();
            want.push(Row { line, raw: n.clone(), dob: dob.map(str::to_string) });
            line += 1 + name.matches('\n').count() as u64;
        }
        let mut csv = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        csv.extend(w.into_inner().unwrap());
        let got = read_rows(&csv, Some("nhs_number")).unwrap();
        prop_assert_eq!(got, want);
    }

    /// Granted as the pacer's thread grants (asking again after each wait, woken late by a
    /// random amount), with callers arriving at random and 429s and answers in between, the
    /// schedule never grants more than the rate in any one-second window, and never two
    /// grants closer than half a period; nor, once slowed, more than its slower rate.
    #[test]
    fn the_pacer_never_exceeds_its_rate_in_any_one_second_window(
        rate in 1u32..=1000,
        slowed in 0u32..4,
        events in proptest::collection::vec((0u64..3_000_000_000, 0u64..2_000_000, 0u8..20), 1..300),
    ) {
        use cpis::api::platform::pacer::{ceiling_rate, Schedule};
        let ceiling = ceiling_rate(rate);
        let mut s = Schedule::new(ceiling);
        // A second apart: the 429s of one second halve the rate once.
        for i in 0..u64::from(slowed) {
            s.slow_down(i * 1_000_000_000, Duration::ZERO);
        }
        let mut now = u64::from(slowed.saturating_sub(1)) * 1_000_000_000;
        let mut grants: Vec<u64> = Vec::new();
        // While the rate is only ever slowed (no answers yet), its own bound holds too.
        let mut slowed_until = None;
        for (gap, late, what) in events {
            // Callers arrive at random (often at once: many tasks share the pacer)...
            now += gap % 4 * gap / 4;
            match what {
                0 => s.slow_down(now, Duration::from_nanos(gap / 8)),
                1 => {
                    slowed_until.get_or_insert(grants.len());
                    s.answered(now);
                }
                _ => {}
            }
            // ...and each waits for its slot, woken up to 2 ms late.
            while let Err(wait) = s.grant(now) {
                now += wait + late;
            }
            grants.push(now);
        }
        let window = |grants: &[u64], allowed: usize, what: &str| -> Result<(), TestCaseError> {
            for (i, t) in grants.iter().enumerate() {
                let n = grants[i..].iter().take_while(|u| **u - *t < 1_000_000_000).count();
                prop_assert!(n <= allowed, "{} grants in one second at {} ({})", n, allowed, what);
            }
            Ok(())
        };
        window(&grants, ceiling as usize, "the ceiling")?;
        let half = (1e9 / ceiling).ceil() as u64 / 2;
        for w in grants.windows(2) {
            prop_assert!(w[1] - w[0] >= half, "{} ns apart at {}/s", w[1] - w[0], ceiling);
        }
        if slowed > 0 {
            let first_answer = slowed_until.unwrap_or(grants.len());
            let slower = (ceiling / f64::from(1 << slowed)).max(ceiling / 8.0);
            window(&grants[..first_answer], slower.ceil() as usize, "slowed")?;
        }
    }
}
