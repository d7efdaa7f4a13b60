//! Small calendar helpers (UTC only): today's date, RFC 3339 timestamps, date comparison.
//! Hand-written because the tool needs only these few conversions.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date for a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// `YYYY-MM-DDThh:mm:ss+00:00`, the form CP-IS uses for `AuditEvent.recorded`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// [`rfc3339`] of a time given in seconds since the epoch.
pub fn rfc3339_secs(secs: u64) -> String {
    rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Today's date in UTC as days since 1970-01-01.
pub fn today_days() -> i64 {
    unix_seconds(SystemTime::now()).div_euclid(86_400)
}

/// `YYYY-MM-DD` for days since 1970-01-01.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The number of days in month `m` (1-12) of year `y` (proleptic Gregorian).
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parse the date part of a FHIR `date` or `dateTime` (`YYYY-MM-DD...`) as days since
/// 1970-01-01. A bare year or year-month (allowed by FHIR) is read as its first day. A date
/// that does not exist (`2026-02-30`, `2026-04-31`, `2026-02-29`) is `None`, never the day it
/// would roll over to.
pub fn parse_date_days(s: &str) -> Option<i64> {
    let s = s.trim();
    let mut parts = s.get(..s.len().min(10))?.splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next().map_or(Some(1), |p| p.parse().ok())?;
    let d: u32 = parts
        .next()
        .map_or(Some(1), |p| p.get(..2).unwrap_or(p).parse().ok())?;
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parse `YYYY-MM-DDThh:mm:ss(.fff)(Z|±hh:mm)` into a `SystemTime`.
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let days = parse_date_days(s)?;
    let rest = s.get(10..)?.strip_prefix('T')?;
    let hms: Vec<i64> = rest
        .get(..8)?
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, mi, se] = hms.as_slice() else {
        return None;
    };
    let mut tail = &rest[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        tail = frac.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match tail {
        "Z" | "" => 0,
        t => {
            let sign = match t.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = t.get(1..3)?.parse().ok()?;
            let om: i64 = t.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset;
    Some(if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        UNIX_EPOCH - Duration::from_secs((-secs) as u64)
    })
}

/// A moment as seconds since the epoch and the UTC offset (seconds) it was given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    pub secs: i64,
    pub offset: i64,
}

impl Moment {
    /// `YYYY-MM-DDThh:mm:ss±hh:mm` in the moment's own offset (`+00:00` for UTC).
    pub fn rfc3339(&self) -> String {
        let local = self.secs + self.offset;
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let s = local.rem_euclid(86_400);
        let sign = if self.offset < 0 { '-' } else { '+' };
        let o = self.offset.abs();
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            s / 3600,
            (s / 60) % 60,
            s % 60,
            o / 3600,
            (o / 60) % 60
        )
    }
}

/// Parse a time as a person types it: `YYYY-MM-DDThh:mm` or `YYYY-MM-DDThh:mm:ss` (a space
/// may stand for the `T`), then optionally `Z` or `±hh:mm`. Without an offset the time is this
/// machine's local time (its time zone, `TZ` when set; Europe/London on an English NHS
/// workstation, so GMT or BST as the date falls).
pub fn parse_user_time(s: &str) -> Result<Moment, String> {
    let bad = || {
        format!(
            "{s:?} is not a time: use YYYY-MM-DDThh:mm, optionally with seconds and a UTC offset (2026-11-24T10:30, 2026-11-24T10:30+00:00)"
        )
    };
    let s = s.trim();
    let days = parse_date_days(s).ok_or_else(bad)?;
    let rest = s.get(10..).ok_or_else(bad)?;
    let rest = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix(' '))
        .ok_or_else(bad)?;
    let (clock, zone) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2) {
        return Err(bad());
    }
    let num = |p: &str| p.parse::<i64>().map_err(|_| bad());
    let (h, mi) = (num(parts[0])?, num(parts[1])?);
    let se = if parts.len() == 3 { num(parts[2])? } else { 0 };
    if h > 23 || mi > 59 || se > 59 {
        return Err(bad());
    }
    let civil = days * 86_400 + h * 3600 + mi * 60 + se;
    let offset = match zone {
        Some("Z" | "z") => 0,
        Some(z) => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let (oh, om) = z[1..].split_once(':').ok_or_else(bad)?;
            if oh.len() != 2 || om.len() != 2 {
                return Err(bad());
            }
            let (oh, om) = (num(oh)?, num(om)?);
            if oh > 14 || om > 59 {
                return Err(bad());
            }
            sign * (oh * 3600 + om * 60)
        }
        None => match local_time(civil) {
            None => {
                return Err(format!(
                    "cannot work out this machine's UTC offset for {s:?}: give one, e.g. {s}+00:00"
                ))
            }
            Some(Local::Once(o)) => o,
            Some(Local::Skipped(before, after)) => {
                return Err(format!(
                    "{s:?} does not exist in this machine's time zone: the clocks went forward over it (from UTC{} to UTC{}); give the time with its UTC offset, e.g. {s}{}",
                    format_offset(before),
                    format_offset(after),
                    format_offset(before)
                ))
            }
            Some(Local::Twice(first, second)) => {
                return Err(format!(
                    "{s:?} happened twice in this machine's time zone (the clocks went back): give the time with its UTC offset, {s}{} for the first or {s}{} for the second",
                    format_offset(first),
                    format_offset(second)
                ))
            }
        },
    };
    Ok(Moment {
        secs: civil - offset,
        offset,
    })
}

/// What a local civil time is in this machine's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Local {
    /// It happens once, at this UTC offset (seconds).
    Once(i64),
    /// It never happens: the clocks jumped over it (spring forward), from the first offset to
    /// the second.
    Skipped(i64, i64),
    /// It happens twice (the clocks went back): at the first offset, then at the second.
    Twice(i64, i64),
}

#[cfg(unix)]
extern "C" {
    /// POSIX: (re)read `TZ` and the zone rules for `localtime_r`.
    fn tzset();
}

/// The local UTC offset (seconds) in force at the instant `t` (seconds since the epoch).
#[cfg(unix)]
fn offset_at(t: i64) -> Option<i64> {
    let tt = t as libc::time_t;
    // SAFETY: `tm` is a plain C struct, zeroed, then filled in by localtime_r.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to values we own, valid for the call.
    let r = unsafe { libc::localtime_r(&tt, &mut tm) };
    (!r.is_null()).then_some(tm.tm_gmtoff as i64)
}

/// The local civil time `civil` (seconds since 1970-01-01T00:00 as if it were UTC) in this
/// machine's time zone, from the C library's rules.
#[cfg(unix)]
fn local_time(civil: i64) -> Option<Local> {
    // SAFETY: tzset only reads the environment and the zone files.
    unsafe { tzset() };
    classify(civil, offset_at)
}

/// The local civil time `civil` under the zone whose offset at each instant `offset_at`
/// gives: every offset in force within two days of it is tried, and those under which the
/// time really occurs are kept.
#[cfg_attr(not(unix), allow(dead_code))]
fn classify(civil: i64, offset_at: impl Fn(i64) -> Option<i64>) -> Option<Local> {
    let before = offset_at(civil - 2 * 86_400)?;
    let after = offset_at(civil + 2 * 86_400)?;
    let mut candidates = vec![before, offset_at(civil)?, after];
    candidates.dedup();
    let mut valid: Vec<i64> = Vec::new();
    for o in candidates {
        if !valid.contains(&o) && offset_at(civil - o) == Some(o) {
            valid.push(o);
        }
    }
    // The earlier instant (the larger offset) first.
    valid.sort_unstable_by(|a, b| b.cmp(a));
    Some(match valid.as_slice() {
        [] => Local::Skipped(before, after),
        [o] => Local::Once(*o),
        [first, .., second] => Local::Twice(*first, *second),
    })
}

/// Elsewhere the local offset is not read: local times are taken as UTC (see README).
#[cfg(not(unix))]
fn local_time(_civil: i64) -> Option<Local> {
    Some(Local::Once(0))
}

/// `+hh:mm` / `-hh:mm` for an offset in seconds.
fn format_offset(o: i64) -> String {
    let sign = if o < 0 { '-' } else { '+' };
    let a = o.abs();
    format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60)
}

/// Now, in UTC.
pub fn now_moment() -> Moment {
    Moment {
        secs: unix_seconds(SystemTime::now()),
        offset: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_times_with_and_without_offsets() {
        let m = parse_user_time("2026-11-24T10:30+01:00").unwrap();
        assert_eq!(m.rfc3339(), "2026-11-24T10:30:00+01:00");
        assert_eq!(
            m.secs,
            parse_rfc3339("2026-11-24T09:30:00Z")
                .map(unix_seconds)
                .unwrap()
        );
        let z = parse_user_time("2026-11-24 10:30:15Z").unwrap();
        assert_eq!(z.rfc3339(), "2026-11-24T10:30:15+00:00");
        let neg = parse_user_time("2026-11-24T10:30-05:00").unwrap();
        assert_eq!(neg.rfc3339(), "2026-11-24T10:30:00-05:00");
        assert!(parse_user_time("2026-11-24").is_err());
        assert!(parse_user_time("2026-11-24T25:00").is_err());
        assert!(parse_user_time("24/11/2026 10:30").is_err());
        // Local: whatever the zone, the wall-clock time is kept.
        let l = parse_user_time("2026-11-24T10:30").unwrap();
        assert!(
            l.rfc3339().starts_with("2026-11-24T10:30:00"),
            "{}",
            l.rfc3339()
        );
    }

    #[test]
    fn dates_that_do_not_exist_are_refused_not_rolled_over() {
        for bad in [
            "2026-02-30",
            "2026-04-31",
            "2026-02-29",
            "2026-06-31",
            "2026-09-31",
            "2026-11-31",
            "2100-02-29",
            "2026-01-32",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-02-30T10:00:00Z",
        ] {
            assert_eq!(parse_date_days(bad), None, "{bad}");
        }
        for bad in [
            "2026-02-30T10:30",
            "2026-04-31T10:30+00:00",
            "2026-02-29 09:00Z",
        ] {
            let e = parse_user_time(bad).unwrap_err();
            assert!(e.contains("is not a time"), "{bad}: {e}");
        }
        assert_eq!(parse_rfc3339("2026-02-30T10:00:00Z"), None);
        for good in [
            "2024-02-29",
            "2000-02-29",
            "2026-02-28",
            "2026-04-30",
            "2026-12-31",
        ] {
            assert!(parse_date_days(good).is_some(), "{good}");
        }
        assert_eq!(
            parse_date_days("2024-02-29"),
            Some(days_from_civil(2024, 2, 29))
        );
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
    }

    /// Europe/London in 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
    fn london_2026(t: i64) -> Option<i64> {
        let start = parse_rfc3339("2026-03-29T01:00:00Z").map(unix_seconds)?;
        let end = parse_rfc3339("2026-10-25T01:00:00Z").map(unix_seconds)?;
        Some(if (start..end).contains(&t) { 3600 } else { 0 })
    }

    fn civil(s: &str) -> i64 {
        parse_rfc3339(&format!("{s}:00Z"))
            .map(unix_seconds)
            .unwrap()
    }

    #[test]
    fn local_times_in_a_gap_or_repeated_are_told_apart() {
        assert_eq!(
            classify(civil("2026-03-29T01:30"), london_2026),
            Some(Local::Skipped(0, 3600))
        );
        assert_eq!(
            classify(civil("2026-03-29T00:59"), london_2026),
            Some(Local::Once(0))
        );
        assert_eq!(
            classify(civil("2026-03-29T02:00"), london_2026),
            Some(Local::Once(3600))
        );
        assert_eq!(
            classify(civil("2026-10-25T01:30"), london_2026),
            Some(Local::Twice(3600, 0))
        );
        assert_eq!(
            classify(civil("2026-10-25T00:59"), london_2026),
            Some(Local::Once(3600))
        );
        assert_eq!(
            classify(civil("2026-10-25T02:00"), london_2026),
            Some(Local::Once(0))
        );
        assert_eq!(
            classify(civil("2026-07-01T09:15"), london_2026),
            Some(Local::Once(3600))
        );
        assert_eq!(
            classify(civil("2026-01-05T09:15"), london_2026),
            Some(Local::Once(0))
        );
        assert_eq!(format_offset(3600), "+01:00");
        assert_eq!(format_offset(-5 * 3600 - 1800), "-05:30");
    }

    #[test]
    fn round_trips_dates() {
        for days in [-1000, 0, 1, 19_000, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(format_date(days_from_civil(2024, 2, 29)), "2024-02-29");
    }

    #[test]
    fn parses_fhir_dates_and_times() {
        assert_eq!(
            parse_date_days("2022-09-26"),
            Some(days_from_civil(2022, 9, 26))
        );
        assert_eq!(
            parse_date_days("2022-09"),
            Some(days_from_civil(2022, 9, 1))
        );
        assert_eq!(
            parse_date_days("2022-09-26T10:00:00Z"),
            Some(days_from_civil(2022, 9, 26))
        );
        assert_eq!(parse_date_days("not a date"), None);
        let t = parse_rfc3339("2023-09-07T17:36:41+00:00").unwrap();
        assert_eq!(rfc3339(t), "2023-09-07T17:36:41+00:00");
        let t2 = parse_rfc3339("2023-09-07T18:36:41.123+01:00").unwrap();
        assert_eq!(t, t2);
        assert_eq!(parse_rfc3339("2023-09-07"), None);
    }
}
