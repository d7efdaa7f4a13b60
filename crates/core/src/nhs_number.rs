//! NHS numbers: parsing, the Modulus 11 check, and display as `943 476 5919`.

use std::fmt;
use std::str::FromStr;

/// A ten-digit NHS number. Construct it with [`NhsNumber::parse`] (checks Modulus 11) or
/// [`NhsNumber::parse_unchecked`] (ten digits only, for test data that fails the check).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber([u8; 10]);

/// Why a string is not a valid NHS number. The message says which check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NhsNumberError {
    Empty,
    BadCharacter(char),
    WrongLength(usize),
    /// The check digit would be 10: no NHS number can have these first nine digits.
    NeverValid,
    CheckDigit {
        expected: u8,
        found: u8,
    },
}

impl fmt::Display for NhsNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NhsNumberError::Empty => write!(f, "no NHS number given"),
            NhsNumberError::BadCharacter(c) => write!(
                f,
                "an NHS number has only digits, spaces and dashes, found {}",
                describe_char(*c)
            ),
            NhsNumberError::WrongLength(n) => {
                write!(f, "an NHS number has 10 digits, this has {n}")
            }
            NhsNumberError::NeverValid => write!(
                f,
                "fails the Modulus 11 check: no NHS number can start with these nine digits"
            ),
            NhsNumberError::CheckDigit { expected, found } => write!(
                f,
                "fails the Modulus 11 check: the check digit (last digit) is {found}, expected {expected}; look for a mistyped digit"
            ),
        }
    }
}

impl std::error::Error for NhsNumberError {}

/// The Modulus 11 check digit for nine digits, or `None` when no check digit can work (10).
pub fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c as u8),
    }
}

/// What a character of a typed or pasted NHS number counts as.
enum Folded {
    Digit(u8),
    Separator,
    Other,
}

/// Pasted text folded to what was meant: full-width digits are digits; spaces (also
/// non-breaking, narrow, thin, figure and ideographic ones), zero-width spaces and joiners,
/// a byte-order mark, and dashes (hyphens, en dash, minus, full-width hyphen) separate groups.
fn fold(c: char) -> Folded {
    match c {
        '0'..='9' => Folded::Digit(c as u8 - b'0'),
        '\u{FF10}'..='\u{FF19}' => Folded::Digit((c as u32 - 0xFF10) as u8),
        ' '
        | '-'
        | '\u{00A0}'
        | '\u{2000}'..='\u{200D}'
        | '\u{202F}'
        | '\u{205F}'
        | '\u{2060}'
        | '\u{3000}'
        | '\u{FEFF}'
        | '\u{2010}'..='\u{2013}'
        | '\u{2212}'
        | '\u{FF0D}' => Folded::Separator,
        _ => Folded::Other,
    }
}

/// A character named in words (with its code point where it is not plain ASCII), so that an
/// invisible or look-alike character in pasted text can be found.
pub fn describe_char(c: char) -> String {
    let code = format!("U+{:04X}", c as u32);
    match c {
        'O' | 'o' => format!("the letter {c} (not the digit zero)"),
        'I' | 'l' => format!("the letter {c} (not the digit one)"),
        'A'..='Z' | 'a'..='z' => format!("the letter {c}"),
        '\t' => "a tab".into(),
        '.' => "a full stop".into(),
        ',' => "a comma".into(),
        '/' => "a slash".into(),
        '+' => "a plus sign".into(),
        '_' => "an underscore".into(),
        '(' | ')' | '[' | ']' => "a bracket".into(),
        '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' => {
            format!("a quotation mark ({code})")
        }
        c if crate::sanitize::is_unsafe(c) => {
            format!("an invisible control or direction character ({code})")
        }
        c if c.is_whitespace() => format!("a space character ({code})"),
        c if c.is_numeric() => format!("a digit from another script, {c} ({code})"),
        c if c.is_alphabetic() => format!("the letter {c} ({code})"),
        c if c.is_ascii() => format!("the character {c}"),
        c => format!("the character {c} ({code})"),
    }
}

impl NhsNumber {
    /// Parse and check Modulus 11. Accepts `9434765919`, `943 476 5919`, `943-476-5919`.
    pub fn parse(s: &str) -> Result<Self, NhsNumberError> {
        let n = Self::parse_unchecked(s)?;
        match check_digit(&n.0[..9]) {
            None => Err(NhsNumberError::NeverValid),
            Some(c) if c != n.0[9] => Err(NhsNumberError::CheckDigit {
                expected: c,
                found: n.0[9],
            }),
            Some(_) => Ok(n),
        }
    }

    /// Parse ten digits (spaces and dashes allowed) without the Modulus 11 check.
    pub fn parse_unchecked(s: &str) -> Result<Self, NhsNumberError> {
        let mut digits = Vec::with_capacity(10);
        for c in s.trim().chars() {
            match fold(c) {
                Folded::Digit(d) => digits.push(d),
                Folded::Separator => {}
                Folded::Other => return Err(NhsNumberError::BadCharacter(c)),
            }
        }
        if digits.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        let arr: [u8; 10] = digits
            .as_slice()
            .try_into()
            .map_err(|_| NhsNumberError::WrongLength(digits.len()))?;
        Ok(NhsNumber(arr))
    }

    /// True when the number passes Modulus 11.
    pub fn is_valid(&self) -> bool {
        check_digit(&self.0[..9]) == Some(self.0[9])
    }

    /// The ten digits, no separators (the form sent to the service).
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The number as an integer (a compact key: the ten digits, leading zeros dropped).
    pub fn to_u64(&self) -> u64 {
        self.0.iter().fold(0, |n, d| n * 10 + u64::from(*d))
    }

    /// True for the `999` range, which is never issued and holds synthetic test patients.
    pub fn is_synthetic(&self) -> bool {
        self.0[..3] == [9, 9, 9]
    }
}

/// `943 476 5919`
impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

/// Debug shows the digits: NHS numbers are patient data, so keep them out of logs by not
/// logging values of this type unless the user asked for it.
impl fmt::Debug for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NhsNumber({})", self.digits())
    }
}

impl FromStr for NhsNumber {
    type Err = NhsNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NhsNumber::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_spellings() {
        for s in [
            "9434765919",
            "943 476 5919",
            "943-476-5919",
            " 943 476 5919 ",
        ] {
            let n = NhsNumber::parse(s).unwrap();
            assert_eq!(n.digits(), "9434765919");
            assert_eq!(n.to_string(), "943 476 5919");
        }
        assert!(NhsNumber::parse("9000000009").is_ok());
        assert!(NhsNumber::parse("9990000018").unwrap().is_synthetic());
    }

    #[test]
    fn rejects_with_the_check_that_failed() {
        assert_eq!(
            NhsNumber::parse("9000000000"),
            Err(NhsNumberError::CheckDigit {
                expected: 9,
                found: 0
            })
        );
        assert!(matches!(
            NhsNumber::parse("1234567890"),
            Err(NhsNumberError::NeverValid) | Err(NhsNumberError::CheckDigit { .. })
        ));
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::WrongLength(9))
        );
        assert_eq!(
            NhsNumber::parse("94347659x9"),
            Err(NhsNumberError::BadCharacter('x'))
        );
        assert_eq!(NhsNumber::parse("  "), Err(NhsNumberError::Empty));
    }

    #[test]
    fn the_official_example_fails_modulus_11_but_parses_unchecked() {
        assert!(NhsNumber::parse("9912003890").is_err());
        let n = NhsNumber::parse_unchecked("9912003890").unwrap();
        assert!(!n.is_valid());
        assert_eq!(n.digits(), "9912003890");
    }

    #[test]
    fn check_digit_ten_means_never_valid() {
        // 1*10 + 2*9 + ... + 9*2 = 210; 210 mod 11 = 1; 11 - 1 = 10: never valid.
        assert_eq!(check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), None);
        assert_eq!(
            NhsNumber::parse("1234567890"),
            Err(NhsNumberError::NeverValid)
        );
        // 9*10 + 4*9 + 3*8 + 4*7 + 7*6 + 6*5 + 5*4 + 9*3 + 1*2 = 299; 299 mod 11 = 2; 11 - 2 = 9
        assert_eq!(check_digit(&[9, 4, 3, 4, 7, 6, 5, 9, 1]), Some(9));
    }
}
