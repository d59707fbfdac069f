//! Layering: flag > `ECS_SHIP_*` env var > `[env.X.<command>]` > `[env.X]` > `[<command>]` >
//! top level of `ecs-ship.toml` > built-in default.
//!
//! clap already handles flags, env vars and defaults. The file is layered in by appending the
//! values of every flag that neither the command line nor the environment set, as `--flag=value`,
//! and parsing again: so a value from the file is checked by the very parser that checks the flag.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;

use clap::parser::ValueSource;
use clap::{Arg, ArgMatches, Command};
use toml_edit::{ImDocument, Item, Table, Value};

use crate::error::Error;

/// A `--flag=value` argument taken from the file, with where it came from.
pub struct Injected {
    argument: OsString,
    line: Option<usize>,
    key: String,
    value: String,
}

pub enum ParseFailure {
    Clap(clap::Error),
    Config(Error),
}

/// One config value with where it came from, for error messages.
struct Found<'a> {
    item: &'a Item,
    line: Option<usize>,
    section: String,
}

pub struct ConfigFile {
    path: String,
    text: String,
    doc: ImDocument<String>,
}

impl ConfigFile {
    /// Reads the file; `None` when it does not exist and was not asked for explicitly.
    pub fn load(path: &Path, explicit: bool) -> Result<Option<Self>, Error> {
        let shown = path.display().to_string();
        let text = match crate::read_file::to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(None)
            }
            Err(error) => {
                return Err(Error::Config {
                    path: shown,
                    line: None,
                    key: None,
                    message: error.to_string(),
                })
            }
        };
        let doc = ImDocument::parse(text.clone()).map_err(|error| {
            let line = error.span().map(|span| line_of(&text, span.start));
            let message = error.message().trim().to_string();
            Error::Config {
                path: shown.clone(),
                line,
                key: None,
                message: format!("invalid TOML: {message}"),
            }
        })?;
        Ok(Some(ConfigFile {
            path: shown,
            text,
            doc,
        }))
    }

    fn line(&self, span: Option<std::ops::Range<usize>>) -> Option<usize> {
        span.map(|span| line_of(&self.text, span.start))
    }

    fn error(&self, line: Option<usize>, key: &str, message: impl Into<String>) -> Error {
        Error::Config {
            path: self.path.clone(),
            line,
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    /// Rejects keys no command knows, so a typo is not silently ignored.
    pub fn check_keys(&self, root: &Command, env_name: Option<&str>) -> Result<(), Error> {
        let known = known_flags(root);
        let sections: BTreeSet<String> = root
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let check_flat = |table: &Table, prefix: &str, section: Option<&str>| {
            self.check_table(root, &known, &sections, table, prefix, section)
        };
        let root_table = self.doc.as_table();
        for (key, item) in root_table.iter() {
            let line = self.line(root_table.key(key).and_then(|k| k.span()));
            match (normalize(key).as_str(), item) {
                ("env", Item::Table(envs)) => {
                    for (name, env) in envs.iter() {
                        let Item::Table(env) = env else {
                            return Err(self.error(
                                line,
                                &format!("env.{name}"),
                                "must be a table like [env.stg]",
                            ));
                        };
                        check_flat(env, &format!("env.{name}."), None)?;
                        for (section, item) in env.iter() {
                            if let Item::Table(table) = item {
                                check_flat(
                                    table,
                                    &format!("env.{name}.{section}."),
                                    Some(&normalize(section)),
                                )?;
                            }
                        }
                    }
                }
                ("env", _) => {
                    return Err(self.error(
                        line,
                        "env",
                        "must be a table of environments like [env.stg]",
                    ))
                }
                (name, Item::Table(table)) if sections.contains(name) => {
                    check_flat(table, &format!("{key}."), Some(name))?
                }
                _ => {}
            }
        }
        check_flat(root_table, "", None)?;
        if let Some(env_name) = env_name {
            let has_env = root_table
                .get("env")
                .and_then(|envs| envs.get(env_name))
                .is_some();
            if !has_env {
                let available: Vec<&str> = root_table
                    .get("env")
                    .and_then(Item::as_table)
                    .map(|envs| envs.iter().map(|(k, _)| k).collect())
                    .unwrap_or_default();
                return Err(Error::Config {
                    path: self.path.clone(),
                    line: None,
                    key: None,
                    message: format!(
                        "no [env.{env_name}] section for --env {env_name} (sections: {})",
                        if available.is_empty() {
                            "none".to_string()
                        } else {
                            available.join(", ")
                        }
                    ),
                });
            }
        }
        Ok(())
    }

    /// The keys of one table: flags of some command; in a command's own section
    /// (`[env.stg.deploy]`, `section` set), flags of that command.
    fn check_table(
        &self,
        root: &Command,
        known: &BTreeSet<String>,
        sections: &BTreeSet<String>,
        table: &Table,
        prefix: &str,
        section: Option<&str>,
    ) -> Result<(), Error> {
        let own = section
            .and_then(|name| root.find_subcommand(name))
            .map(known_flags);
        for (key, item) in table.iter() {
            let line = self.line(table.key(key).and_then(|k| k.span()));
            let name = normalize(key);
            if item.is_table()
                && section.is_none()
                && (sections.contains(&name) || (prefix.is_empty() && name == "env"))
            {
                continue;
            }
            let unknown = if !known.contains(&name) {
                "unknown setting (not a flag of any ecs-ship command)".to_string()
            } else if own.as_ref().is_some_and(|own| !own.contains(&name)) {
                format!(
                    "`{key}` is not a flag of `{}`, so it cannot go in its section [{}]",
                    section.unwrap_or_default(),
                    prefix.trim_end_matches('.')
                )
            } else {
                continue;
            };
            return Err(self
                .error(line, &format!("{prefix}{key}"), unknown)
                .invalid_value());
        }
        Ok(())
    }

    /// The most specific value for `flag` (its long name or a hidden alias), searching the
    /// layers in precedence order.
    fn find(&self, flag: &[&str], command: &str, env_name: Option<&str>) -> Option<Found<'_>> {
        let root = self.doc.as_table();
        let env =
            env_name.and_then(|name| root.get("env")?.get(name)?.as_table().map(|t| (name, t)));
        let mut layers: Vec<(String, &Table)> = vec![];
        if let Some((name, env)) = env {
            if let Some(section) = env.get(command).and_then(Item::as_table) {
                layers.push((format!("[env.{name}.{command}]"), section));
            }
            layers.push((format!("[env.{name}]"), env));
        }
        if let Some(section) = root.get(command).and_then(Item::as_table) {
            layers.push((format!("[{command}]"), section));
        }
        layers.push(("top level".to_string(), root));
        layers.into_iter().find_map(|(section, table)| {
            table
                .iter()
                .find(|(key, item)| flag.contains(&normalize(key).as_str()) && !item.is_table())
                .map(|(key, item)| Found {
                    item,
                    line: self.line(table.key(key).and_then(|k| k.span())),
                    section,
                })
        })
    }

    /// `--flag=value` arguments for every flag of `leaf` the file sets and nothing else did.
    pub fn arguments_for(
        &self,
        leaf: &Command,
        matches: &ArgMatches,
        command: &str,
        env_name: Option<&str>,
    ) -> Result<Vec<Injected>, Error> {
        let mut extra = vec![];
        for arg in leaf.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if matches!(long, "env" | "config" | "help" | "version") {
                continue;
            }
            // A flag's hidden aliases are keys too: `rules = [...]` for `--rule`.
            let mut names = vec![long];
            names.extend(arg.get_all_aliases().unwrap_or_default());
            let Some(found) = self.find(&names, command, env_name) else {
                continue;
            };
            let key = format!("{} {long}", found.section);
            let conflicting = leaf.get_arg_conflicts_with(arg);
            if set_by_user(matches, arg.get_id().as_str())
                || conflicting
                    .iter()
                    .any(|other| set_by_user(matches, other.get_id().as_str()))
            {
                // Overridden, but a broken value in the file is still a broken file.
                self.check_overridden(arg, &found, &key)?;
                continue;
            }
            // `command = ["rails", "db:migrate"]` is the natural way to write a command in TOML.
            if long == "command"
                && found.item.as_array().is_some()
                && leaf
                    .get_arguments()
                    .any(|a| a.get_long() == Some("command-json"))
            {
                let words = self.strings(&found, &key)?;
                let json = serde_json::to_string(&words).expect("strings serialize");
                extra.push(Injected {
                    argument: OsString::from(format!("--command-json={json}")),
                    line: found.line,
                    key,
                    value: json,
                });
                continue;
            }
            if !arg.get_action().takes_values() {
                match found.item.as_bool() {
                    Some(true) => extra.push(Injected {
                        argument: OsString::from(format!("--{long}")),
                        line: found.line,
                        key,
                        value: "true".into(),
                    }),
                    Some(false) => {}
                    None => {
                        return Err(self
                            .error(found.line, &key, "expected true or false")
                            .invalid_value())
                    }
                }
                continue;
            }
            if takes_strings(arg) && !found_strings_only(found.item) {
                return Err(self
                    .error(
                        found.line,
                        &key,
                        "expected a string (in quotes), or a list of strings",
                    )
                    .invalid_value());
            }
            let values = self.strings(&found, &key)?;
            let multiple = arg.get_num_args().is_some_and(|n| n.max_values() > 1)
                || matches!(arg.get_action(), clap::ArgAction::Append)
                || arg.get_value_delimiter().is_some();
            if values.len() > 1 && !multiple {
                return Err(self
                    .error(found.line, &key, "takes one value, not a list")
                    .invalid_value());
            }
            for value in values {
                extra.push(Injected {
                    argument: OsString::from(format!("--{long}={value}")),
                    line: found.line,
                    key: key.clone(),
                    value,
                });
            }
        }
        Ok(extra)
    }

    /// Parses `argv` with the file's arguments appended; when clap rejects one of them, the
    /// error names the file, line and key it came from.
    pub fn parse_with<T: clap::Parser>(
        &self,
        argv: &[OsString],
        injected: &[Injected],
    ) -> Result<T, ParseFailure> {
        let all = || {
            argv.iter()
                .cloned()
                .chain(injected.iter().map(|i| i.argument.clone()))
        };
        match T::try_parse_from(all()) {
            Ok(parsed) => Ok(parsed),
            Err(error) => {
                let culprit = injected.iter().find(|one| {
                    T::try_parse_from(argv.iter().cloned().chain([one.argument.clone()])).is_err()
                });
                Err(match culprit {
                    Some(one) => ParseFailure::Config(
                        self.error(
                            one.line,
                            &one.key,
                            format!("invalid value `{}`: {}", one.value, clap_reason(&error)),
                        )
                        .invalid_value(),
                    ),
                    None => ParseFailure::Clap(error),
                })
            }
        }
    }

    /// Checks a file value that a flag or variable overrides, with the flag's own parser.
    fn check_overridden(&self, arg: &Arg, found: &Found<'_>, key: &str) -> Result<(), Error> {
        if !arg.get_action().takes_values() {
            return match found.item.as_bool() {
                Some(_) => Ok(()),
                None => Err(self
                    .error(found.line, key, "expected true or false")
                    .invalid_value()),
            };
        }
        if arg.get_long() == Some("command") && found.item.as_array().is_some() {
            return self.strings(found, key).map(drop);
        }
        for value in self.strings(found, key)? {
            let mut probe = Arg::new("value")
                .long("value")
                .value_parser(arg.get_value_parser().clone())
                .action(clap::ArgAction::Append);
            if let Some(delimiter) = arg.get_value_delimiter() {
                probe = probe.value_delimiter(delimiter);
            }
            let parsed = Command::new("ecs-ship").arg(probe).try_get_matches_from([
                OsString::from("ecs-ship"),
                format!("--value={value}").into(),
            ]);
            if let Err(error) = parsed {
                let reason = clap_reason(&error).replace(
                    "'--value <value>'",
                    &format!("'--{}'", arg.get_long().unwrap_or_default()),
                );
                return Err(self
                    .error(
                        found.line,
                        key,
                        format!("invalid value `{value}`: {reason}"),
                    )
                    .invalid_value());
            }
        }
        Ok(())
    }

    fn strings(&self, found: &Found<'_>, key: &str) -> Result<Vec<String>, Error> {
        let scalar = |value: &Value| -> Option<String> {
            match value {
                Value::String(s) => Some(s.value().clone()),
                Value::Integer(i) => Some(i.value().to_string()),
                Value::Float(f) => Some(f.value().to_string()),
                Value::Boolean(b) => Some(b.value().to_string()),
                _ => None,
            }
        };
        let bad = || {
            self.error(
                found.line,
                key,
                "expected a string, number, boolean or a list of them",
            )
            .invalid_value()
        };
        match found.item.as_value() {
            Some(Value::Array(array)) => array.iter().map(|v| scalar(v).ok_or_else(bad)).collect(),
            Some(value) => Ok(vec![scalar(value).ok_or_else(bad)?]),
            None => Err(bad()),
        }
    }
}

/// Whether the flag's value is text (`cluster = 123` is then a mistake, not `"123"`).
fn takes_strings(arg: &Arg) -> bool {
    arg.get_value_parser().type_id() == clap::builder::ValueParser::string().type_id()
}

fn found_strings_only(item: &Item) -> bool {
    match item.as_value() {
        Some(Value::String(_)) => true,
        Some(Value::Array(array)) => array.iter().all(Value::is_str),
        _ => false,
    }
}

fn set_by_user(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

fn known_flags(root: &Command) -> BTreeSet<String> {
    fn visit(cmd: &Command, into: &mut BTreeSet<String>) {
        into.extend(
            cmd.get_arguments()
                .filter_map(Arg::get_long)
                .map(str::to_string),
        );
        into.extend(
            cmd.get_arguments()
                .flat_map(|arg| arg.get_all_aliases().unwrap_or_default())
                .map(str::to_string),
        );
        cmd.get_subcommands().for_each(|sub| visit(sub, into));
    }
    let mut flags = BTreeSet::new();
    visit(root, &mut flags);
    for builtin in ["env", "config", "help", "version"] {
        flags.remove(builtin);
    }
    flags
}

fn normalize(key: &str) -> String {
    key.replace('_', "-")
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// clap's own one-line reason, without its "error:" prefix and usage footer.
pub fn clap_reason(error: &clap::Error) -> String {
    let rendered = error.to_string();
    let first = rendered.lines().next().unwrap_or_default();
    first.trim_start_matches("error: ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::CommandFactory;

    fn layered(toml: &str, args: &[&str], env: Option<&str>) -> Result<Vec<String>, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ecs-ship.toml");
        std::fs::write(&path, toml).unwrap();
        let file = ConfigFile::load(&path, true)?.unwrap();
        let mut root = Cli::command();
        root.build();
        file.check_keys(&root, env)?;
        let argv: Vec<&str> = ["ecs-ship"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let matches = root.clone().try_get_matches_from(&argv).unwrap();
        let (name, sub) = matches.subcommand().unwrap();
        let leaf = root.find_subcommand(name).unwrap();
        let extra = file.arguments_for(leaf, sub, name, env)?;
        let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
        if let Err(ParseFailure::Config(error)) = file.parse_with::<Cli>(&argv, &extra) {
            return Err(error);
        }
        Ok(extra
            .into_iter()
            .map(|i| i.argument.into_string().unwrap())
            .collect())
    }

    const SAMPLE: &str = r#"
region = "ap-northeast-1"
poll-interval = "10s"
[run-task]
no-logs = true
[env.stg]
cluster = "hoge-stg"
service = "hoge-service-stg"
[env.stg.run-task]
command = ["rails", "db:migrate"]
[env.prod]
cluster = "hoge-prod"
"#;

    #[test]
    fn env_section_beats_top_level_and_command_sections_apply() {
        let extra = layered(SAMPLE, &["run-task"], Some("stg")).unwrap();
        assert!(
            extra.contains(&"--cluster=hoge-stg".to_string()),
            "{extra:?}"
        );
        assert!(
            extra.contains(&"--region=ap-northeast-1".to_string()),
            "{extra:?}"
        );
        assert!(
            extra.contains(&"--service=hoge-service-stg".to_string()),
            "{extra:?}"
        );
        assert!(extra.contains(&"--no-logs".to_string()), "{extra:?}");
        assert!(
            extra.contains(&r#"--command-json=["rails","db:migrate"]"#.to_string()),
            "{extra:?}"
        );
    }

    #[test]
    fn rules_and_schedules_lists_are_the_rule_and_schedule_flags() {
        let toml =
            "[env.prod]\nrules = [\"nightly\", \"orders/hourly\"]\nschedule = \"batch/reports\"\n";
        let extra = layered(toml, &["deploy"], Some("prod")).unwrap();
        assert_eq!(
            extra,
            [
                "--rule=nightly",
                "--rule=orders/hourly",
                "--schedule=batch/reports"
            ]
        );
        // The more specific section wins whichever of the two names it uses.
        let toml = "rule = \"everywhere\"\n[env.prod]\nrules = [\"prod-only\"]\n";
        let extra = layered(toml, &["deploy"], Some("prod")).unwrap();
        assert_eq!(extra, ["--rule=prod-only"]);
    }

    #[test]
    fn flags_on_the_command_line_win() {
        let extra = layered(
            SAMPLE,
            &["run-task", "--cluster", "mine", "--command", "ls"],
            Some("stg"),
        )
        .unwrap();
        assert!(
            !extra.iter().any(|a| a.starts_with("--cluster")),
            "{extra:?}"
        );
        assert!(
            !extra.iter().any(|a| a.starts_with("--command")),
            "{extra:?}"
        );
    }

    #[test]
    fn command_sections_do_not_leak_into_other_commands() {
        let extra = layered(SAMPLE, &["deploy"], Some("prod")).unwrap();
        assert!(
            extra.contains(&"--cluster=hoge-prod".to_string()),
            "{extra:?}"
        );
        assert!(
            !extra
                .iter()
                .any(|a| a.contains("no-logs") || a.contains("command")),
            "{extra:?}"
        );
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let error = layered(
            "region = \"x\"\n[env.stg]\nclustr = \"a\"\n",
            &["run-task"],
            Some("stg"),
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("ecs-ship.toml:3") && text.contains("env.stg.clustr"),
            "{text}"
        );
    }

    #[test]
    fn unknown_keys_and_keys_of_another_command_are_usage_errors() {
        let error = layered("[env.stg]\nclustr = \"a\"\n", &["run-task"], Some("stg")).unwrap_err();
        assert_eq!(error.code(), 2, "{error}");
        let error = layered("[env.x.deploy]\ncount = 2\n", &["deploy"], Some("x")).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("env.x.deploy.count") && text.contains("not a flag of `deploy`"),
            "{text}"
        );
        assert_eq!(error.code(), 2);
        assert!(layered("[env.x.run-task]\ncount = 2\n", &["run-task"], Some("x")).is_ok());
    }

    #[test]
    fn a_number_where_a_string_goes_is_refused() {
        let error = layered("cluster = 123\n", &["run-task"], None).unwrap_err();
        assert!(error.to_string().contains("expected a string"), "{error}");
        assert_eq!(error.code(), 2);
        assert!(layered("count = 3\npoll-interval = 10\n", &["run-task"], None).is_ok());
    }

    #[test]
    fn an_invalid_value_overridden_by_a_flag_is_still_an_error() {
        let error = layered(
            "poll-interval = \"soon\"\n",
            &["run-task", "--poll-interval", "5s"],
            None,
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("poll-interval") && text.contains("soon"),
            "{text}"
        );
        assert_eq!(error.code(), 2);
        let error = layered("no-logs = \"yes\"\n", &["run-task", "--no-logs"], None).unwrap_err();
        assert!(error.to_string().contains("true or false"), "{error}");
    }

    #[test]
    fn malformed_toml_names_the_line() {
        let error = layered("region = \"x\"\ncluster = \n", &["run-task"], None).unwrap_err();
        assert!(error.to_string().contains("ecs-ship.toml:2"), "{error}");
    }

    #[test]
    fn invalid_value_is_checked_by_the_flag_parser() {
        let error = layered(
            "[env.stg]\npoll-interval = \"soon\"\n",
            &["run-task"],
            Some("stg"),
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains(":2") && text.contains("poll-interval") && text.contains("soon"),
            "{text}"
        );
        assert_eq!(
            error.code(),
            2,
            "a value that does not parse is a usage error"
        );
    }

    #[test]
    fn missing_env_section_lists_the_ones_there() {
        let error = layered(SAMPLE, &["run-task"], Some("qa")).unwrap_err();
        assert!(
            error.to_string().contains("stg, prod") || error.to_string().contains("prod, stg"),
            "{error}"
        );
    }
}
