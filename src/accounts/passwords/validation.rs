//! Django 5.2's four default password validators, with Django's messages in Django's order:
//! UserAttributeSimilarity, MinimumLength(8), CommonPassword and NumericPassword.
//!
//! Ported rather than taken from a crate because the client shows these exact messages, and no
//! crate reproduces Python's string semantics (`lower`, `strip`, `isdigit`, `\W`) that decide them.

use std::cmp::Ordering;
use std::collections::HashMap;

/// One of the customer's own attributes the password must not resemble, as Django's
/// `UserAttributeSimilarityValidator` sees it (`username`, `first_name`, `last_name`, `email`).
#[derive(Debug, Clone, Copy)]
pub struct UserAttribute<'a> {
    /// The customer's value; an empty one is skipped, as in Django.
    pub value: &'a str,
    /// The field's name in the message, e.g. "email address" or "first name".
    pub verbose_name: &'static str,
}

/// Django's four default validators; returns every failing message, in Django's order and wording.
pub fn validate_password(password: &str, similar_to: &[UserAttribute<'_>]) -> Vec<String> {
    let mut messages = Vec::new();
    if let Some(attribute) = first_too_similar_attribute(password, similar_to) {
        messages.push(format!(
            "The password is too similar to the {}.",
            attribute.verbose_name
        ));
    }
    if password.chars().count() < MINIMUM_LENGTH {
        messages.push(format!(
            "This password is too short. It must contain at least {MINIMUM_LENGTH} characters."
        ));
    }
    if is_common_password(password) {
        messages.push("This password is too common.".to_owned());
    }
    if is_entirely_numeric(password) {
        messages.push("This password is entirely numeric.".to_owned());
    }
    messages
}

/// `MinimumLengthValidator`'s default, counted in code points like Python's `len`.
const MINIMUM_LENGTH: usize = 8;

/// `UserAttributeSimilarityValidator`'s default `max_similarity`.
const MAX_SIMILARITY: f64 = 0.7;

/// The first attribute the password is too similar to, in the caller's order, as Django stops at
/// the first.
fn first_too_similar_attribute<'a, 'b>(
    password: &str,
    attributes: &'b [UserAttribute<'a>],
) -> Option<&'b UserAttribute<'a>> {
    let password = password.to_lowercase();
    attributes
        .iter()
        .filter(|attribute| !attribute.value.is_empty())
        .find(|attribute| {
            let value = attribute.value.to_lowercase();
            split_on_non_word_runs(&value)
                .chain(std::iter::once(value.as_str()))
                .any(|part| is_too_similar(&password, part))
        })
}

/// Django's test for one part: skip parts too short to matter, then difflib's `quick_ratio`.
fn is_too_similar(password: &str, part: &str) -> bool {
    let password_len = password.chars().count();
    let part_len = part.chars().count();
    // Django's `exceeds_maximum_length_ratio`, with its float arithmetic kept as written.
    let length_bound_similarity = MAX_SIMILARITY / 2.0 * password_len as f64;
    let is_too_short_to_compare =
        password_len >= 10 * part_len && (part_len as f64) < length_bound_similarity;
    !is_too_short_to_compare && quick_ratio(password, part) >= MAX_SIMILARITY
}

/// difflib's `SequenceMatcher(a=a, b=b).quick_ratio()`: twice the size of the multiset
/// intersection of both strings' code points over their total length. It ignores difflib's
/// autojunk heuristic, which only affects `ratio()`; Django calls `quick_ratio()` only.
fn quick_ratio(a: &str, b: &str) -> f64 {
    let mut available: HashMap<char, usize> = HashMap::new();
    for character in b.chars() {
        *available.entry(character).or_default() += 1;
    }
    let mut matches = 0_usize;
    for character in a.chars() {
        if let Some(count) = available.get_mut(&character)
            && *count > 0
        {
            *count -= 1;
            matches += 1;
        }
    }
    let length = a.chars().count() + b.chars().count();
    if length == 0 {
        return 1.0;
    }
    2.0 * matches as f64 / length as f64
}

/// Python's `re.split(r"\W+", text)`: runs of non-word characters separate the parts, and a run at
/// either end leaves an empty first or last part (which Django then compares too).
fn split_on_non_word_runs(text: &str) -> impl Iterator<Item = &str> {
    let pieces: Vec<&str> = text.split(|character| !is_python_word(character)).collect();
    let last = pieces.len().saturating_sub(1);
    // `str::split` cuts at every character, so a run of n leaves n - 1 empty pieces between its
    // neighbours; only the ends keep theirs, as a run is one separator in Python.
    pieces
        .into_iter()
        .enumerate()
        .filter(move |(index, piece)| !piece.is_empty() || *index == 0 || *index == last)
        .map(|(_, piece)| piece)
}

/// Python's Unicode `\w` (`str.isalnum()` or `_`). Rust's `is_alphanumeric` also counts the
/// combining marks and symbols Unicode calls Other_Alphabetic; Python does not.
fn is_python_word(character: char) -> bool {
    (character.is_alphanumeric() || character == '_')
        && !is_in(
            character,
            ALPHABETIC_MARKS_THAT_ARE_NOT_PYTHON_WORD_CHARACTERS,
        )
}

/// Python's `str.isdigit()` for one code point: decimal digits plus other digits such as `²`, but
/// not other numerals such as `½` or `Ⅻ` (which Rust's `is_numeric` accepts).
fn is_python_digit(character: char) -> bool {
    is_in(character, PYTHON_DIGITS)
}

/// Python's `str.isspace()`: Rust's whitespace plus the four ASCII information separators.
fn is_python_space(character: char) -> bool {
    character.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&character)
}

/// `NumericPasswordValidator`: Python's `password.isdigit()`, false for an empty password.
fn is_entirely_numeric(password: &str) -> bool {
    !password.is_empty() && password.chars().all(is_python_digit)
}

/// `CommonPasswordValidator`: `password.lower().strip()` is one of the listed passwords.
fn is_common_password(password: &str) -> bool {
    let lowered = password.to_lowercase();
    contains_line(COMMON_PASSWORDS, lowered.trim_matches(is_python_space))
}

/// Django's `common-passwords.txt.gz` (Django 5.2.19, BSD-3-Clause licence, © Django Software
/// Foundation and contributors), a list by Royce Williams: 19,640 distinct lowercased passwords.
/// Stored unzipped, sorted by code point (so by byte) and one per line, so it is searched in place
/// without building a set at start-up.
const COMMON_PASSWORDS: &str = include_str!("common-passwords.txt");

/// Binary search for a whole line of `sorted_lines`, comparing bytes; no allocation.
fn contains_line(sorted_lines: &str, needle: &str) -> bool {
    let bytes = sorted_lines.as_bytes();
    // `low` is always the start of a line and `high` the start of a line or the end.
    let (mut low, mut high) = (0, bytes.len());
    while low < high {
        let middle = low + (high - low) / 2;
        let line_start = bytes[low..middle]
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(low, |newline| low + newline + 1);
        let line_end = bytes[line_start..]
            .iter()
            .position(|&byte| byte == b'\n')
            .map_or(bytes.len(), |newline| line_start + newline);
        match bytes[line_start..line_end].cmp(needle.as_bytes()) {
            Ordering::Equal => return true,
            Ordering::Less => low = line_end + 1,
            Ordering::Greater => high = line_start,
        }
    }
    false
}

/// Whether `character` falls in one of `ranges` (sorted, inclusive, code points).
fn is_in(character: char, ranges: &[(u32, u32)]) -> bool {
    let code_point = u32::from(character);
    ranges
        .binary_search_by(|&(first, last)| {
            if last < code_point {
                Ordering::Less
            } else if first > code_point {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

// The two tables below were generated from Python 3.11's `unicodedata` (Unicode 14.0), by listing
// every code point where `str.isdigit()` is true, and every assigned code point where
// `re.match(r"\w", c)` is false but Rust's `char::is_alphanumeric` is true (categories Mn, Mc, So).
// Code points assigned after Unicode 14 follow Rust's tables.

/// Code points for which Python's `str.isdigit()` is true.
#[rustfmt::skip]
const PYTHON_DIGITS: &[(u32, u32)] = &[
    (0x0030, 0x0039), (0x00B2, 0x00B3), (0x00B9, 0x00B9), (0x0660, 0x0669),
    (0x06F0, 0x06F9), (0x07C0, 0x07C9), (0x0966, 0x096F), (0x09E6, 0x09EF),
    (0x0A66, 0x0A6F), (0x0AE6, 0x0AEF), (0x0B66, 0x0B6F), (0x0BE6, 0x0BEF),
    (0x0C66, 0x0C6F), (0x0CE6, 0x0CEF), (0x0D66, 0x0D6F), (0x0DE6, 0x0DEF),
    (0x0E50, 0x0E59), (0x0ED0, 0x0ED9), (0x0F20, 0x0F29), (0x1040, 0x1049),
    (0x1090, 0x1099), (0x1369, 0x1371), (0x17E0, 0x17E9), (0x1810, 0x1819),
    (0x1946, 0x194F), (0x19D0, 0x19DA), (0x1A80, 0x1A89), (0x1A90, 0x1A99),
    (0x1B50, 0x1B59), (0x1BB0, 0x1BB9), (0x1C40, 0x1C49), (0x1C50, 0x1C59),
    (0x2070, 0x2070), (0x2074, 0x2079), (0x2080, 0x2089), (0x2460, 0x2468),
    (0x2474, 0x247C), (0x2488, 0x2490), (0x24EA, 0x24EA), (0x24F5, 0x24FD),
    (0x24FF, 0x24FF), (0x2776, 0x277E), (0x2780, 0x2788), (0x278A, 0x2792),
    (0xA620, 0xA629), (0xA8D0, 0xA8D9), (0xA900, 0xA909), (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9), (0xFF10, 0xFF19),
    (0x104A0, 0x104A9), (0x10A40, 0x10A43), (0x10D30, 0x10D39), (0x10E60, 0x10E68),
    (0x11052, 0x1105A), (0x11066, 0x1106F), (0x110F0, 0x110F9), (0x11136, 0x1113F),
    (0x111D0, 0x111D9), (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9),
    (0x11650, 0x11659), (0x116C0, 0x116C9), (0x11730, 0x11739), (0x118E0, 0x118E9),
    (0x11950, 0x11959), (0x11C50, 0x11C59), (0x11D50, 0x11D59), (0x11DA0, 0x11DA9),
    (0x16A60, 0x16A69), (0x16AC0, 0x16AC9), (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9), (0x1E950, 0x1E959), (0x1F100, 0x1F10A),
    (0x1FBF0, 0x1FBF9),
];

/// Other_Alphabetic code points that Rust counts as alphanumeric and Python's `\w` does not.
#[rustfmt::skip]
const ALPHABETIC_MARKS_THAT_ARE_NOT_PYTHON_WORD_CHARACTERS: &[(u32, u32)] = &[
    (0x0345, 0x0345), (0x0363, 0x036F), (0x05B0, 0x05BD), (0x05BF, 0x05BF),
    (0x05C1, 0x05C2), (0x05C4, 0x05C5), (0x05C7, 0x05C7), (0x0610, 0x061A),
    (0x064B, 0x0657), (0x0659, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC),
    (0x06E1, 0x06E4), (0x06E7, 0x06E8), (0x06ED, 0x06ED), (0x0711, 0x0711),
    (0x0730, 0x073F), (0x07A6, 0x07B0), (0x0816, 0x0817), (0x081B, 0x0823),
    (0x0825, 0x0827), (0x0829, 0x082C), (0x08D4, 0x08DF), (0x08E3, 0x08E9),
    (0x08F0, 0x0903), (0x093A, 0x093B), (0x093E, 0x094C), (0x094E, 0x094F),
    (0x0955, 0x0957), (0x0962, 0x0963), (0x0981, 0x0983), (0x09BE, 0x09C4),
    (0x09C7, 0x09C8), (0x09CB, 0x09CC), (0x09D7, 0x09D7), (0x09E2, 0x09E3),
    (0x0A01, 0x0A03), (0x0A3E, 0x0A42), (0x0A47, 0x0A48), (0x0A4B, 0x0A4C),
    (0x0A51, 0x0A51), (0x0A70, 0x0A71), (0x0A75, 0x0A75), (0x0A81, 0x0A83),
    (0x0ABE, 0x0AC5), (0x0AC7, 0x0AC9), (0x0ACB, 0x0ACC), (0x0AE2, 0x0AE3),
    (0x0AFA, 0x0AFC), (0x0B01, 0x0B03), (0x0B3E, 0x0B44), (0x0B47, 0x0B48),
    (0x0B4B, 0x0B4C), (0x0B56, 0x0B57), (0x0B62, 0x0B63), (0x0B82, 0x0B82),
    (0x0BBE, 0x0BC2), (0x0BC6, 0x0BC8), (0x0BCA, 0x0BCC), (0x0BD7, 0x0BD7),
    (0x0C00, 0x0C04), (0x0C3E, 0x0C44), (0x0C46, 0x0C48), (0x0C4A, 0x0C4C),
    (0x0C55, 0x0C56), (0x0C62, 0x0C63), (0x0C81, 0x0C83), (0x0CBE, 0x0CC4),
    (0x0CC6, 0x0CC8), (0x0CCA, 0x0CCC), (0x0CD5, 0x0CD6), (0x0CE2, 0x0CE3),
    (0x0D00, 0x0D03), (0x0D3E, 0x0D44), (0x0D46, 0x0D48), (0x0D4A, 0x0D4C),
    (0x0D57, 0x0D57), (0x0D62, 0x0D63), (0x0D81, 0x0D83), (0x0DCF, 0x0DD4),
    (0x0DD6, 0x0DD6), (0x0DD8, 0x0DDF), (0x0DF2, 0x0DF3), (0x0E31, 0x0E31),
    (0x0E34, 0x0E3A), (0x0E4D, 0x0E4D), (0x0EB1, 0x0EB1), (0x0EB4, 0x0EB9),
    (0x0EBB, 0x0EBC), (0x0ECD, 0x0ECD), (0x0F71, 0x0F83), (0x0F8D, 0x0F97),
    (0x0F99, 0x0FBC), (0x102B, 0x1036), (0x1038, 0x1038), (0x103B, 0x103E),
    (0x1056, 0x1059), (0x105E, 0x1060), (0x1062, 0x1064), (0x1067, 0x106D),
    (0x1071, 0x1074), (0x1082, 0x108D), (0x108F, 0x108F), (0x109A, 0x109D),
    (0x1712, 0x1713), (0x1732, 0x1733), (0x1752, 0x1753), (0x1772, 0x1773),
    (0x17B6, 0x17C8), (0x1885, 0x1886), (0x18A9, 0x18A9), (0x1920, 0x192B),
    (0x1930, 0x1938), (0x1A17, 0x1A1B), (0x1A55, 0x1A5E), (0x1A61, 0x1A74),
    (0x1ABF, 0x1AC0), (0x1ACC, 0x1ACE), (0x1B00, 0x1B04), (0x1B35, 0x1B43),
    (0x1B80, 0x1B82), (0x1BA1, 0x1BA9), (0x1BAC, 0x1BAD), (0x1BE7, 0x1BF1),
    (0x1C24, 0x1C36), (0x1DD3, 0x1DF4), (0x24B6, 0x24E9), (0x2DE0, 0x2DFF),
    (0xA674, 0xA67B), (0xA69E, 0xA69F), (0xA802, 0xA802), (0xA80B, 0xA80B),
    (0xA823, 0xA827), (0xA880, 0xA881), (0xA8B4, 0xA8C3), (0xA8C5, 0xA8C5),
    (0xA8FF, 0xA8FF), (0xA926, 0xA92A), (0xA947, 0xA952), (0xA980, 0xA983),
    (0xA9B4, 0xA9BF), (0xA9E5, 0xA9E5), (0xAA29, 0xAA36), (0xAA43, 0xAA43),
    (0xAA4C, 0xAA4D), (0xAA7B, 0xAA7D), (0xAAB0, 0xAAB0), (0xAAB2, 0xAAB4),
    (0xAAB7, 0xAAB8), (0xAABE, 0xAABE), (0xAAEB, 0xAAEF), (0xAAF5, 0xAAF5),
    (0xABE3, 0xABEA), (0xFB1E, 0xFB1E), (0x10376, 0x1037A), (0x10A01, 0x10A03),
    (0x10A05, 0x10A06), (0x10A0C, 0x10A0F), (0x10D24, 0x10D27), (0x10EAB, 0x10EAC),
    (0x11000, 0x11002), (0x11038, 0x11045), (0x11073, 0x11074), (0x11080, 0x11082),
    (0x110B0, 0x110B8), (0x110C2, 0x110C2), (0x11100, 0x11102), (0x11127, 0x11132),
    (0x11145, 0x11146), (0x11180, 0x11182), (0x111B3, 0x111BF), (0x111CE, 0x111CF),
    (0x1122C, 0x11234), (0x11237, 0x11237), (0x1123E, 0x1123E), (0x112DF, 0x112E8),
    (0x11300, 0x11303), (0x1133E, 0x11344), (0x11347, 0x11348), (0x1134B, 0x1134C),
    (0x11357, 0x11357), (0x11362, 0x11363), (0x11435, 0x11441), (0x11443, 0x11445),
    (0x114B0, 0x114C1), (0x115AF, 0x115B5), (0x115B8, 0x115BE), (0x115DC, 0x115DD),
    (0x11630, 0x1163E), (0x11640, 0x11640), (0x116AB, 0x116B5), (0x1171D, 0x1172A),
    (0x1182C, 0x11838), (0x11930, 0x11935), (0x11937, 0x11938), (0x1193B, 0x1193C),
    (0x11940, 0x11940), (0x11942, 0x11942), (0x119D1, 0x119D7), (0x119DA, 0x119DF),
    (0x119E4, 0x119E4), (0x11A01, 0x11A0A), (0x11A35, 0x11A39), (0x11A3B, 0x11A3E),
    (0x11A51, 0x11A5B), (0x11A8A, 0x11A97), (0x11C2F, 0x11C36), (0x11C38, 0x11C3E),
    (0x11C92, 0x11CA7), (0x11CA9, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A),
    (0x11D3C, 0x11D3D), (0x11D3F, 0x11D41), (0x11D43, 0x11D43), (0x11D47, 0x11D47),
    (0x11D8A, 0x11D8E), (0x11D90, 0x11D91), (0x11D93, 0x11D96), (0x11EF3, 0x11EF6),
    (0x16F4F, 0x16F4F), (0x16F51, 0x16F87), (0x16F8F, 0x16F92), (0x16FF0, 0x16FF1),
    (0x1BC9E, 0x1BC9E), (0x1E000, 0x1E006), (0x1E008, 0x1E018), (0x1E01B, 0x1E021),
    (0x1E023, 0x1E024), (0x1E026, 0x1E02A), (0x1E947, 0x1E947), (0x1F130, 0x1F149),
    (0x1F150, 0x1F169), (0x1F170, 0x1F189),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TOO_SHORT: &str = "This password is too short. It must contain at least 8 characters.";
    const TOO_COMMON: &str = "This password is too common.";
    const NUMERIC: &str = "This password is entirely numeric.";

    /// One call of Django's `validate_password(password, user)` and what it raised.
    struct DjangoCase {
        password: &'static str,
        /// `(verbose_name, value)` in Django's order: username, first name, last name, email.
        attributes: &'static [(&'static str, &'static str)],
        messages: &'static [&'static str],
    }

    /// Produced by Django 5.2.19 on Python 3.11 with the four default validators and an unsaved
    /// `User(**attributes)` (or `user=None` when there are no attributes).
    #[rustfmt::skip]
    const DJANGO_CASES: &[DjangoCase] = &[
        DjangoCase { password: "", attributes: &[], messages: &[TOO_SHORT] },
        DjangoCase { password: "", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[TOO_SHORT] },
        DjangoCase { password: "", attributes: &[("email address", "@example.com")], messages: &["The password is too similar to the email address.", TOO_SHORT] },
        DjangoCase { password: "short", attributes: &[], messages: &[TOO_SHORT] },
        DjangoCase { password: "1234567", attributes: &[], messages: &[TOO_SHORT, TOO_COMMON, NUMERIC] },
        DjangoCase { password: "12345678", attributes: &[], messages: &[TOO_COMMON, NUMERIC] },
        DjangoCase { password: "password", attributes: &[], messages: &[TOO_COMMON] },
        DjangoCase { password: "  PassWord  ", attributes: &[], messages: &[TOO_COMMON] },
        DjangoCase { password: "\u{1c}password\u{1f}", attributes: &[], messages: &[TOO_COMMON] },
        DjangoCase { password: "password\u{a0}", attributes: &[], messages: &[TOO_COMMON] },
        DjangoCase { password: "correct horse battery staple", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[] },
        DjangoCase { password: "johndoe1", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[] },
        DjangoCase { password: "doejohn", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &["The password is too similar to the first name.", TOO_SHORT] },
        DjangoCase { password: "john.doe@example.com", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &["The password is too similar to the email address."] },
        DjangoCase { password: "example.com", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &["The password is too similar to the email address."] },
        DjangoCase { password: "JOHN.DOE", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[] },
        DjangoCase { password: "jdoe2024!", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[] },
        DjangoCase { password: "xjohnxdoex", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[] },
        DjangoCase { password: "Abcdefgh", attributes: &[("first name", "John"), ("last name", "Doe"), ("email address", "john.doe@example.com")], messages: &[TOO_COMMON] },
        DjangoCase { password: "１２３４５６７８", attributes: &[], messages: &[NUMERIC] },
        DjangoCase { password: "²³²³²³²³", attributes: &[], messages: &[NUMERIC] },
        DjangoCase { password: "½½½½½½½½", attributes: &[], messages: &[] },
        DjangoCase { password: "ⅫⅫⅫⅫⅫⅫⅫⅫ", attributes: &[], messages: &[] },
        DjangoCase { password: "١٢٣٤٥٦٧٨", attributes: &[], messages: &[NUMERIC] },
        DjangoCase { password: "प्रियाशर्मा", attributes: &[("first name", "प्रिया"), ("last name", "शर्मा"), ("email address", "priya@example.com")], messages: &["The password is too similar to the first name."] },
        DjangoCase { password: "प्रिया12", attributes: &[("first name", "प्रिया"), ("last name", "शर्मा"), ("email address", "priya@example.com")], messages: &["The password is too similar to the first name."] },
        DjangoCase { password: "रिया", attributes: &[("first name", "प्रिया"), ("last name", "शर्मा"), ("email address", "priya@example.com")], messages: &["The password is too similar to the first name.", TOO_SHORT] },
        DjangoCase { password: "люблю", attributes: &[], messages: &[TOO_SHORT, TOO_COMMON] },
        DjangoCase { password: "ЛЮБЛЮ", attributes: &[], messages: &[TOO_SHORT, TOO_COMMON] },
        DjangoCase { password: "İstanbul", attributes: &[("first name", "İstanbul"), ("last name", ""), ("email address", "istanbul@example.com")], messages: &["The password is too similar to the first name."] },
        DjangoCase { password: "qwertyuiop", attributes: &[("first name", ""), ("last name", ""), ("email address", "q@w.e")], messages: &[TOO_COMMON] },
        DjangoCase { password: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", attributes: &[("first name", "A"), ("last name", ""), ("email address", "a@a.aa")], messages: &[] },
        DjangoCase { password: "abcdefghij", attributes: &[("first name", "A"), ("last name", ""), ("email address", "a@a.aa")], messages: &[TOO_COMMON] },
        DjangoCase { password: "ab", attributes: &[("first name", "A"), ("last name", ""), ("email address", "a@a.aa")], messages: &[TOO_SHORT] },
        DjangoCase { password: "johnsmith", attributes: &[("username", "jsmith"), ("first name", "John"), ("last name", "Smith"), ("email address", "js@example.com")], messages: &["The password is too similar to the username."] },
        DjangoCase { password: "000000", attributes: &[("username", "jsmith")], messages: &[TOO_SHORT, TOO_COMMON, NUMERIC] },
        DjangoCase { password: "र", attributes: &[("first name", "प्रिया"), ("last name", "शर्मा"), ("email address", "priya@example.com")], messages: &["The password is too similar to the first name.", TOO_SHORT] },
        DjangoCase { password: "", attributes: &[("first name", "प्रिया"), ("last name", "शर्मा"), ("email address", "priya@example.com")], messages: &["The password is too similar to the first name.", TOO_SHORT] },
        DjangoCase { password: "", attributes: &[("email address", "a..b")], messages: &[TOO_SHORT] },
        DjangoCase { password: "ab", attributes: &[("email address", "a..b")], messages: &[TOO_SHORT] },
        DjangoCase { password: "password", attributes: &[("email address", "password@x.io")], messages: &["The password is too similar to the email address.", TOO_COMMON] },
        DjangoCase { password: "ΣΑΣ ΣΑΣ", attributes: &[("first name", "σας")], messages: &[TOO_SHORT] },
    ];

    fn attributes(pairs: &[(&'static str, &'static str)]) -> Vec<UserAttribute<'static>> {
        pairs
            .iter()
            .map(|&(verbose_name, value)| UserAttribute {
                value,
                verbose_name,
            })
            .collect()
    }

    #[test]
    fn every_message_matches_what_django_answered() {
        for case in DJANGO_CASES {
            let messages = validate_password(case.password, &attributes(case.attributes));

            assert_eq!(messages, case.messages, "password {:?}", case.password);
        }
    }

    #[test]
    fn a_password_shorter_than_eight_code_points_is_too_short() {
        assert_eq!(validate_password("ééééééé", &[]), [TOO_SHORT]);
        assert!(validate_password("éééééééé", &[]).is_empty());
    }

    #[test]
    fn a_password_resembling_the_email_is_reported_with_its_verbose_name() {
        let email = [UserAttribute {
            value: "Jane.Roe@Example.com",
            verbose_name: "email address",
        }];

        assert_eq!(
            validate_password("jane.roe@example.com", &email),
            ["The password is too similar to the email address."]
        );
        assert!(validate_password("tulip-garden-42", &email).is_empty());
    }

    #[test]
    fn only_the_first_similar_attribute_is_reported() {
        let both = [
            UserAttribute {
                value: "quixotic-marmot",
                verbose_name: "first name",
            },
            UserAttribute {
                value: "quixotic-marmot",
                verbose_name: "last name",
            },
        ];

        assert_eq!(
            validate_password("quixotic-marmot", &both),
            ["The password is too similar to the first name."]
        );
    }

    #[test]
    fn quick_ratio_matches_difflib() {
        // Values from Python's difflib.SequenceMatcher(a=..., b=...).quick_ratio().
        assert_eq!(quick_ratio("", ""), 1.0);
        assert_eq!(quick_ratio("abc", ""), 0.0);
        assert_eq!(quick_ratio("A", "AAAAAAAAAA"), 0.18181818181818182);
        assert_eq!(quick_ratio("doejohn", "john"), 0.7272727272727273);
        assert_eq!(quick_ratio("aab", "abb"), 0.6666666666666666);
    }

    #[test]
    fn attribute_values_split_like_python_re_split() {
        let split = |text| split_on_non_word_runs(text).collect::<Vec<_>>();

        assert_eq!(
            split("john.doe@example.com"),
            ["john", "doe", "example", "com"]
        );
        assert_eq!(split("a..b"), ["a", "b"]);
        assert_eq!(split("..a"), ["", "a"]);
        assert_eq!(split("a.."), ["a", ""]);
        assert_eq!(split(".."), ["", ""]);
        assert_eq!(split("snake_case"), ["snake_case"]);
        // Devanagari vowel signs are marks, not word characters, for Python.
        assert_eq!(split("प्रिया"), ["प", "र", "य", ""]);
    }

    #[test]
    fn python_character_classes_are_reproduced() {
        assert!(is_python_digit('7') && is_python_digit('²') && is_python_digit('٣'));
        assert!(!is_python_digit('½') && !is_python_digit('Ⅻ') && !is_python_digit('a'));
        assert!(is_python_word('ş') && is_python_word('_') && is_python_word('½'));
        assert!(!is_python_word('\u{94d}') && !is_python_word('Ⓐ') && !is_python_word('-'));
        assert!(
            is_python_space('\u{1c}') && is_python_space('\u{a0}') && is_python_space('\u{3000}')
        );
        assert!(!is_python_space('\u{200b}') && !is_python_space('x'));
    }

    #[test]
    fn every_listed_password_is_found_and_neighbours_are_not() {
        for line in COMMON_PASSWORDS.lines() {
            assert!(contains_line(COMMON_PASSWORDS, line), "{line:?}");
            assert!(
                !contains_line(COMMON_PASSWORDS, &format!("{line}\u{1}")),
                "{line:?}"
            );
        }
        assert!(!contains_line(COMMON_PASSWORDS, ""));
        assert!(!contains_line(COMMON_PASSWORDS, "tulip-garden-42"));
        assert!(!contains_line(COMMON_PASSWORDS, "\u{10ffff}"));
    }

    #[test]
    fn the_common_password_list_is_sorted_lowercase_and_complete() {
        let lines: Vec<&str> = COMMON_PASSWORDS.lines().collect();

        assert_eq!(lines.len(), 19_640);
        assert!(
            lines.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted, no duplicates"
        );
        assert!(
            lines
                .iter()
                .all(|line| line.to_lowercase() == *line && !line.is_empty())
        );
        assert!(COMMON_PASSWORDS.ends_with('\n'));
    }

    #[test]
    fn common_passwords_match_after_lowercasing_and_python_stripping() {
        assert!(is_common_password("PASSWORD"));
        assert!(is_common_password(" \tpassword\u{1f}\u{3000}"));
        assert!(!is_common_password("pass word"));
    }

    #[test]
    fn an_entirely_numeric_password_is_reported() {
        assert!(is_entirely_numeric("4815162342"));
        assert!(is_entirely_numeric("١٢٣٤٥٦٧٨"));
        assert!(!is_entirely_numeric(""));
        assert!(!is_entirely_numeric("4815162342a"));
    }

    proptest! {
        #[test]
        fn validation_never_panics(
            password in any::<String>(),
            first_name in any::<String>(),
            email in "\\PC*@\\PC*",
        ) {
            let attributes = [
                UserAttribute { value: &first_name, verbose_name: "first name" },
                UserAttribute { value: &email, verbose_name: "email address" },
            ];

            let messages = validate_password(&password, &attributes);

            prop_assert!(messages.len() <= 4);
        }
    }
}
