//! `${VAR}` expansion for files users keep in their repository (task-definition JSON for
//! `deploy --task-definition-file`, Slack templates for `notify`). `$$` is a literal `$`; a `$`
//! followed by anything else is left alone, so text like `$HOME` or `$5` survives. An unknown
//! variable is an error naming its line and column, never a silent "".
//!
//! `expand_spans` is the core: the caller's lookup may also refuse a name (a secret), and the
//! result remembers where each substitution came from, so an error found later in the
//! expanded text (invalid JSON) can be reported at its place in the source.

use std::fmt;

/// What a lookup says about one `${NAME}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Value(String),
    /// Known but not allowed here; the text says why.
    Refused(String),
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// `${NAME}` with no value.
    Unknown(String),
    /// `${NAME}` the lookup refused, with its reason.
    Refused { name: String, reason: String },
    /// `${` without its `}`, or `${}` / `${not a name}`; the offending text.
    Malformed(String),
}

/// An expansion error at a 1-based line and column of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub kind: TemplateErrorKind,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: ", self.line, self.column)?;
        match &self.kind {
            TemplateErrorKind::Unknown(name) => write!(f, "unknown variable ${{{name}}}"),
            TemplateErrorKind::Refused { name, reason } => {
                write!(f, "variable ${{{name}}} refused: {reason}")
            }
            TemplateErrorKind::Malformed(text) => write!(
                f,
                "`{text}` is not a ${{VAR}} placeholder (write $$ for a literal $)"
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

/// One substitution: source bytes `source.0..source.1` became output bytes `output.0..output.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    source: (usize, usize),
    output: (usize, usize),
    /// The variable, for `${NAME}` (not for `$$`).
    name: Option<String>,
}

/// Expanded text, with where its substitutions came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    spans: Vec<Span>,
}

impl Expanded {
    /// The source offset of output byte `offset`, and the variable whose value it lies in, if
    /// any (then the offset is the placeholder's start).
    pub fn source_offset(&self, offset: usize) -> (usize, Option<&str>) {
        let mut shift: isize = 0;
        for span in &self.spans {
            if offset < span.output.0 {
                break;
            }
            if offset < span.output.1 {
                return (span.source.0, span.name.as_deref());
            }
            shift +=
                (span.source.1 - span.source.0) as isize - (span.output.1 - span.output.0) as isize;
        }
        ((offset as isize + shift).max(0) as usize, None)
    }
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Replaces every `${NAME}` with what `lookup` gives, and `$$` with `$`.
pub fn expand_spans(
    text: &str,
    lookup: impl Fn(&str) -> Lookup,
) -> Result<Expanded, TemplateError> {
    let error = |kind, at: usize| {
        let (line, column) = line_column(text, at);
        TemplateError { kind, line, column }
    };
    let mut out = String::with_capacity(text.len());
    let mut spans = vec![];
    let mut pos = 0;
    while let Some(found) = text[pos..].find('$') {
        let at = pos + found;
        out.push_str(&text[pos..at]);
        let after = &text[at + 1..];
        if after.starts_with('$') {
            spans.push(Span {
                source: (at, at + 2),
                output: (out.len(), out.len() + 1),
                name: None,
            });
            out.push('$');
            pos = at + 2;
        } else if let Some(inner) = after.strip_prefix('{') {
            let Some(end) = inner.find('}') else {
                let snippet: String = text[at..].chars().take(20).collect();
                return Err(error(TemplateErrorKind::Malformed(snippet), at));
            };
            let name = &inner[..end];
            if !is_name(name) {
                return Err(error(
                    TemplateErrorKind::Malformed(format!("${{{name}}}")),
                    at,
                ));
            }
            let value = match lookup(name) {
                Lookup::Value(value) => value,
                Lookup::Refused(reason) => {
                    return Err(error(
                        TemplateErrorKind::Refused {
                            name: name.to_string(),
                            reason,
                        },
                        at,
                    ))
                }
                Lookup::Unknown => {
                    return Err(error(TemplateErrorKind::Unknown(name.to_string()), at))
                }
            };
            let source_end = at + 2 + end + 1;
            spans.push(Span {
                source: (at, source_end),
                output: (out.len(), out.len() + value.len()),
                name: Some(name.to_string()),
            });
            out.push_str(&value);
            pos = source_end;
        } else {
            out.push('$');
            pos = at + 1;
        }
    }
    out.push_str(&text[pos..]);
    Ok(Expanded { text: out, spans })
}

/// Replaces every `${NAME}` with `lookup(NAME)`; `None` is an unknown variable.
#[cfg(test)]
pub fn expand(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, TemplateError> {
    expand_spans(text, |name| {
        lookup(name).map_or(Lookup::Unknown, Lookup::Value)
    })
    .map(|e| e.text)
}

/// Expands with the process environment, except the credentials a file in a repository has
/// no business reading (they would land in a registered revision and the dry-run diff).
pub fn expand_env(text: &str) -> Result<String, TemplateError> {
    expand_spans(text, |name| {
        if is_secret_variable(name) {
            return Lookup::Refused(
                "it holds a credential, which must not be written into a task definition (use --secret or `secrets`)".into(),
            );
        }
        std::env::var(name).map_or(Lookup::Unknown, Lookup::Value)
    })
    .map(|e| e.text)
}

fn is_secret_variable(name: &str) -> bool {
    matches!(
        name,
        "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN" | "AWS_SECURITY_TOKEN"
    ) || name.starts_with("SLACK_")
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "TAG" => Some("v42".into()),
            "ACCOUNT" => Some("123456789012".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn replaces_placeholders() {
        assert_eq!(
            expand("${ACCOUNT}.dkr.ecr/app:${TAG}", vars).unwrap(),
            "123456789012.dkr.ecr/app:v42"
        );
        assert_eq!(expand("a${EMPTY}b", vars).unwrap(), "ab");
    }

    #[test]
    fn credentials_are_never_expanded_from_the_environment() {
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "SLACK_WEBHOOK_URL",
            "SLACK_ACCESS_TOKEN",
        ] {
            let error = expand_env(&format!("{{\"x\": \"${{{name}}}\"}}")).unwrap_err();
            assert!(
                matches!(&error.kind, TemplateErrorKind::Refused { name: n, .. } if n == name),
                "{name}: {error}"
            );
        }
    }

    #[test]
    fn double_dollar_is_a_literal_dollar() {
        assert_eq!(
            expand("cost $$5 and $${TAG}", vars).unwrap(),
            "cost $5 and ${TAG}"
        );
    }

    #[test]
    fn lone_dollars_are_kept() {
        assert_eq!(
            expand("$HOME and $ and 5$", vars).unwrap(),
            "$HOME and $ and 5$"
        );
    }

    #[test]
    fn unknown_variable_is_an_error_with_its_line_and_column() {
        let error = expand("{\n  \"image\": \"app:${NOPE}\"\n}", vars).unwrap_err();
        assert_eq!(error.kind, TemplateErrorKind::Unknown("NOPE".into()));
        assert_eq!((error.line, error.column), (2, 17));
        assert_eq!(
            error.to_string(),
            "line 2, column 17: unknown variable ${NOPE}"
        );
    }

    #[test]
    fn refused_names_carry_the_reason() {
        let error =
            expand_spans("${SECRET_X}", |_| Lookup::Refused("it is a secret".into())).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("${SECRET_X} refused: it is a secret"),
            "{error}"
        );
    }

    #[test]
    fn malformed_placeholders_are_errors() {
        for text in ["x ${TAG", "${}", "${1X}", "${A B}"] {
            assert!(
                matches!(
                    expand(text, vars),
                    Err(TemplateError {
                        kind: TemplateErrorKind::Malformed(_),
                        ..
                    })
                ),
                "{text}"
            );
        }
    }

    #[test]
    fn multibyte_text_is_untouched() {
        assert_eq!(
            expand("デプロイ ${TAG} 完了 $", vars).unwrap(),
            "デプロイ v42 完了 $"
        );
        let error = expand("デ ${NOPE}", vars).unwrap_err();
        assert_eq!(error.column, 3);
    }

    #[test]
    fn output_offsets_map_back_to_the_source() {
        let source = "$$ ${ACCOUNT} x";
        let expanded =
            expand_spans(source, |n| vars(n).map_or(Lookup::Unknown, Lookup::Value)).unwrap();
        assert_eq!(expanded.text, "$ 123456789012 x");
        assert_eq!(expanded.source_offset(0), (0, None));
        assert_eq!(expanded.source_offset(5), (3, Some("ACCOUNT")));
        // The `x` after the value: output 15 is source 14.
        assert_eq!(expanded.source_offset(15), (14, None));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
    }
}
