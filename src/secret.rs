//! Values that must never reach any output: Slack webhook URLs and tokens. `Secret` prints as
//! `[redacted]` under both `Display` and `Debug`; `redact` scrubs text that may quote one
//! (an HTTP library's error, an answer from Slack) before it is shown.

use std::fmt;

use regex::Regex;

pub const REDACTED: &str = "[redacted]";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// For clap: `#[arg(value_parser = Secret::parse)]`.
    pub fn parse(value: &str) -> Result<Self, std::convert::Infallible> {
        Ok(Secret::new(value))
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// `text` without the secrets' values (also the path of a URL secret, which is the secret
/// part of a webhook URL, and its percent-encoded form), nor anything shaped like a Slack
/// webhook URL or token.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        let value = secret.expose().trim();
        if value.len() < 4 {
            continue;
        }
        let mut needles = vec![value.to_string()];
        if let Some((_, rest)) = value.split_once("://") {
            if let Some((_, path)) = rest.split_once('/') {
                let path = path.trim_end_matches('/');
                if path.len() >= 8 {
                    needles.push(path.to_string());
                }
            }
        }
        let encoded: Vec<String> = needles.iter().map(|n| percent_encode(n)).collect();
        needles.extend(encoded);
        for needle in needles {
            text = text.replace(&needle, REDACTED);
        }
    }
    let patterns = [
        (
            r"hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[^\s`'<>]+",
            "hooks.slack.com/[redacted]",
        ),
        (r"xox[abposre]-[A-Za-z0-9-]+", "xox-[redacted]"),
        (r"xapp-[A-Za-z0-9-]+", "xapp-[redacted]"),
    ];
    for (pattern, replacement) in patterns {
        let regex = Regex::new(pattern).expect("static pattern");
        text = regex.replace_all(&text, replacement).into_owned();
    }
    text
}

/// Text that quotes the command line (clap's usage errors) with every argument that looks like
/// a secret replaced by what it looks like: a webhook URL or token passed by mistake as a
/// positional argument must not be echoed back into a CI log.
pub fn redact_arguments(text: &str) -> String {
    let patterns = [
        (
            r#"https?://hooks\.slack(?:-gov)?\.com/[^\s'"`]*"#,
            "(looks like a Slack webhook URL; redacted)",
        ),
        (
            r#"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/'"`@]+@[^\s'"`]*"#,
            "(looks like a URL with a password; redacted)",
        ),
        (
            r"xox[abposre]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+",
            "(looks like a Slack token; redacted)",
        ),
    ];
    let mut text = text.to_string();
    for (pattern, replacement) in patterns {
        let regex = Regex::new(pattern).expect("static pattern");
        text = regex.replace_all(&text, replacement).into_owned();
    }
    text
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("xoxb-123-abc");
        assert_eq!(format!("{secret} {secret:?}"), "[redacted] [redacted]");
        assert_eq!(format!("{:?}", Some(secret)), "Some([redacted])");
    }

    #[test]
    fn redacts_values_paths_and_lookalikes() {
        let hook = Secret::new("http://127.0.0.1:4567/services/T000/B000/XXXXsecretXXXX");
        let text = "error sending request for url (http://127.0.0.1:4567/services/T000/B000/XXXXsecretXXXX): \
                    path services/T000/B000/XXXXsecretXXXX, encoded services%2FT000%2FB000%2FXXXXsecretXXXX, \
                    other https://hooks.slack.com/services/T1/B1/zzz and xoxp-1-2-3 and xapp-1-A";
        let clean = redact(text, &[&hook]);
        assert!(!clean.contains("XXXXsecret"), "{clean}");
        assert!(!clean.contains("T1/B1/zzz"), "{clean}");
        assert!(!clean.contains("xoxp-1"), "{clean}");
        assert!(!clean.contains("xapp-1"), "{clean}");
        assert!(clean.contains("error sending request"), "{clean}");
    }

    #[test]
    fn arguments_that_look_like_secrets_are_redacted_with_what_they_look_like() {
        let text = "error: unexpected argument 'https://hooks.slack.com/services/T0/B0/sekrit' found\n\
                    tip: use '-- https://hooks.slack.com/services/T0/B0/sekrit' or 'xoxb-1-2-sekrit' \
                    or 'https://u:sekrit@example.com/x'";
        let clean = redact_arguments(text);
        assert!(!clean.contains("sekrit"), "{clean}");
        assert!(
            clean
                .contains("unexpected argument '(looks like a Slack webhook URL; redacted)' found"),
            "{clean}"
        );
        assert!(
            clean.contains("(looks like a Slack token; redacted)"),
            "{clean}"
        );
        assert!(
            clean.contains("(looks like a URL with a password; redacted)"),
            "{clean}"
        );
        assert_eq!(redact_arguments("--cluster c"), "--cluster c");
    }

    #[test]
    fn short_or_empty_secrets_do_not_blank_the_text() {
        assert_eq!(
            redact("a b c", &[&Secret::new(""), &Secret::new("a")]),
            "a b c"
        );
    }
}
