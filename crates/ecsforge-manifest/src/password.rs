//! The Windows Server 2022 password complexity check for the file server's
//! local administrator/SMB account (doc 000, "Windows Server 2022 Password
//! Compliance Validation").
//!
//! The password is never part of the manifest: the CLI reads it from the
//! environment variable that `file_server.admin_password_env` names and calls
//! [`check_windows_password`] before synth. Errors name the rules that were
//! missed and never contain the password, not even its length.

use std::fmt;

/// The shortest password Windows Server 2022's default policy accepts.
pub const MIN_LENGTH: usize = 8;

/// The special characters doc 000 lists: `!@#$%^&*()_+-=[]{}|;:",.<>?`.
pub const SPECIALS: &str = "!@#$%^&*()_+-=[]{}|;:\",.<>?";

/// One rule of the policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PasswordRule {
    /// At least [`MIN_LENGTH`] characters.
    MinLength,
    /// At least three of the four character classes.
    ThreeOfFourClasses,
}

/// The four character classes, in doc 000's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CharClass {
    Upper,
    Lower,
    Digit,
    Special,
}

impl CharClass {
    pub const ALL: [CharClass; 4] = [CharClass::Upper, CharClass::Lower, CharClass::Digit, CharClass::Special];

    pub fn name(self) -> &'static str {
        match self {
            CharClass::Upper => "an uppercase letter (A-Z)",
            CharClass::Lower => "a lowercase letter (a-z)",
            CharClass::Digit => "a digit (0-9)",
            CharClass::Special => "a special character (!@#$%^&*()_+-=[]{}|;:\",.<>?)",
        }
    }

    fn matches(self, c: char) -> bool {
        match self {
            CharClass::Upper => c.is_ascii_uppercase(),
            CharClass::Lower => c.is_ascii_lowercase(),
            CharClass::Digit => c.is_ascii_digit(),
            CharClass::Special => SPECIALS.contains(c),
        }
    }
}

/// The rules a password missed. Its `Display` names each one; it holds no
/// part of the password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct PasswordError {
    /// True when the password is shorter than [`MIN_LENGTH`].
    pub too_short: bool,
    /// The classes missing when fewer than three are present (empty otherwise).
    pub missing_classes: Vec<CharClass>,
}

impl PasswordError {
    /// The rules missed, in a stable order.
    pub fn rules(&self) -> Vec<PasswordRule> {
        let mut out = Vec::new();
        if self.too_short {
            out.push(PasswordRule::MinLength);
        }
        if !self.missing_classes.is_empty() {
            out.push(PasswordRule::ThreeOfFourClasses);
        }
        out
    }
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut missed = Vec::new();
        if self.too_short {
            missed.push(format!("it must be at least {MIN_LENGTH} characters long"));
        }
        if !self.missing_classes.is_empty() {
            let names: Vec<&str> = self.missing_classes.iter().map(|c| c.name()).collect();
            missed.push(format!(
                "it must contain characters from at least 3 of the 4 classes; it has {} of 4 and lacks {}",
                4 - self.missing_classes.len(),
                names.join(", ")
            ));
        }
        write!(f, "the password does not meet the Windows Server 2022 complexity rules: {}", missed.join("; "))
    }
}

/// Checks a password against the Windows Server 2022 rules doc 000 lists:
/// at least 8 characters, and characters from 3 of the 4 classes (upper,
/// lower, digit, special). Characters outside the four classes (spaces,
/// non-ASCII letters) count towards the length only.
pub fn check_windows_password(password: &str) -> Result<(), PasswordError> {
    let too_short = password.chars().count() < MIN_LENGTH;
    let missing: Vec<CharClass> =
        CharClass::ALL.into_iter().filter(|class| !password.chars().any(|c| class.matches(c))).collect();
    let missing_classes = if missing.len() > 1 { missing } else { Vec::new() };
    if too_short || !missing_classes.is_empty() { Err(PasswordError { too_short, missing_classes }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compliant_passwords_pass() {
        for p in ["Abcdefg1", "abcdef1!", "ABCDEF1!", "Abcdefg!", "Xk9#mP2$vL", "aB3\"aaaa"] {
            assert_eq!(check_windows_password(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn too_short_is_named() {
        let e = check_windows_password("Ab1!").unwrap_err();
        assert_eq!(e.rules(), [PasswordRule::MinLength]);
        assert_eq!(
            e.to_string(),
            "the password does not meet the Windows Server 2022 complexity rules: it must be at least 8 characters long"
        );
    }

    #[test]
    fn two_classes_name_the_missing_ones() {
        let e = check_windows_password("abcdefgh1").unwrap_err();
        assert_eq!(e.rules(), [PasswordRule::ThreeOfFourClasses]);
        assert_eq!(e.missing_classes, [CharClass::Upper, CharClass::Special]);
        assert_eq!(
            e.to_string(),
            "the password does not meet the Windows Server 2022 complexity rules: it must contain characters from at \
             least 3 of the 4 classes; it has 2 of 4 and lacks an uppercase letter (A-Z), a special character \
             (!@#$%^&*()_+-=[]{}|;:\",.<>?)"
        );
    }

    #[test]
    fn both_rules_missed_are_both_named() {
        let e = check_windows_password("abc").unwrap_err();
        assert_eq!(e.rules(), [PasswordRule::MinLength, PasswordRule::ThreeOfFourClasses]);
        assert_eq!(e.missing_classes, [CharClass::Upper, CharClass::Digit, CharClass::Special]);
        let text = e.to_string();
        assert!(text.contains("at least 8 characters") && text.contains("has 1 of 4"), "{text}");
    }

    #[test]
    fn each_class_alone_is_not_enough() {
        for (p, has) in [
            ("ABCDEFGHIJ", CharClass::Upper),
            ("abcdefghij", CharClass::Lower),
            ("0123456789", CharClass::Digit),
            ("!@#$%^&*()", CharClass::Special),
        ] {
            let e = check_windows_password(p).unwrap_err();
            assert_eq!(e.rules(), [PasswordRule::ThreeOfFourClasses], "{p}");
            assert!(!e.missing_classes.contains(&has), "{p}");
            assert_eq!(e.missing_classes.len(), 3, "{p}");
        }
    }

    #[test]
    fn other_characters_count_for_length_only() {
        // Spaces and non-ASCII letters are in none of the four classes.
        assert!(check_windows_password("ab ÄÖ 12").is_err());
        assert_eq!(check_windows_password("ab ÄÖ 1!"), Ok(()));
        // Length counts characters, not bytes.
        assert_eq!(check_windows_password("Äb1!").unwrap_err().rules(), [PasswordRule::MinLength]);
    }

    #[test]
    fn messages_never_contain_the_password() {
        for p in ["zq", "zqxwvu", "ZQXWVUTSRQ", "zq9zq9zq9", "§§§§§§§§§§§", "short1", "!!!!!!!!!!!!"] {
            let e = check_windows_password(p).unwrap_err();
            for text in [e.to_string(), format!("{e:?}")] {
                assert!(!text.contains(p), "message leaks `{p}`: {text}");
            }
        }
    }
}
