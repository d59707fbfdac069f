//! Errors found before a command runs (clap's, and the config file's), shown the way every
//! other error is: secrets in the echoed arguments redacted, non-UTF-8 input named by its flag
//! or variable, and under `--output json` the error document on stdout.

use std::ffi::{OsStr, OsString};

use clap::error::ErrorKind;

use crate::output::{CommandResult, ErrorResult};
use crate::render;
use crate::report::Report;
use crate::secret::redact_arguments;

/// Prints `error` (from `argv`; `from_env` names the `ECS_SHIP_*` variable a rejected value came
/// from) and returns the exit code.
pub fn print_clap(error: &clap::Error, argv: &[OsString], from_env: Option<String>) -> i32 {
    if !error.use_stderr() {
        // --help and --version: not errors.
        let _ = error.print();
        return error.exit_code();
    }
    let rendered = error.render().to_string();
    let text = match (error.kind(), from_env) {
        (ErrorKind::InvalidUtf8, _) => format!("error: {}\n", non_utf8(argv)),
        (_, Some(var)) => {
            let text = rendered.trim_start_matches("error: ").trim_end();
            format!("error: environment variable {var}: {text}\n")
        }
        (_, None) => rendered,
    };
    print(&redact_arguments(&text), error.exit_code(), argv);
    error.exit_code()
}

/// Prints an error message (starting `error: `) and, under `--output json`, the error document.
pub fn print(text: &str, code: i32, argv: &[OsString]) {
    eprint!("{text}");
    if !text.ends_with('\n') {
        eprintln!();
    }
    if json_requested(argv) {
        let reason = text
            .trim_start_matches("error: ")
            .lines()
            .next()
            .unwrap_or_default();
        let document = ErrorResult::new(command_name(argv), code, reason.to_string());
        let report = Report::of(CommandResult::Error(document));
        println!("{}", render::json::document(&report, true));
    }
}

/// `--output json` on the command line, or in ECS_SHIP_OUTPUT when the command line says nothing.
fn json_requested(argv: &[OsString]) -> bool {
    let mut given = None;
    for (i, arg) in argv.iter().enumerate() {
        match arg.to_str() {
            Some("--output") => given = argv.get(i + 1).and_then(|v| v.to_str()),
            Some(arg) if arg.starts_with("--output=") => given = Some(&arg["--output=".len()..]),
            _ => {}
        }
    }
    match given {
        Some(value) => value == "json",
        None => std::env::var("ECS_SHIP_OUTPUT").is_ok_and(|v| v == "json"),
    }
}

/// The command the arguments name, as result documents call it.
fn command_name(argv: &[OsString]) -> &'static str {
    let words: Vec<&str> = argv.iter().skip(1).filter_map(|a| a.to_str()).collect();
    for (i, word) in words.iter().enumerate() {
        let name = match *word {
            "run-task" | "migrate" => "run-task",
            "deploy" | "update-service" => "deploy",
            "continue" => "continue",
            "rollback" => "rollback",
            "notify" => "notify",
            "iam-policy" => "iam-policy",
            "completions" => "completions",
            "ecr" => match words.get(i + 1) {
                Some(&"resolve") => "ecr resolve",
                _ => "ecr login",
            },
            _ => continue,
        };
        return name;
    }
    "ecs-ship"
}

/// Which flag, argument or `ECS_SHIP_*` variable holds bytes that are not UTF-8.
fn non_utf8(argv: &[OsString]) -> String {
    let bad = |value: &OsStr| value.to_str().is_none();
    if let Some(i) = argv.iter().skip(1).position(|a| bad(a)).map(|i| i + 1) {
        let lossy = argv[i].to_string_lossy();
        if let Some(flag) = lossy
            .strip_prefix("--")
            .and_then(|rest| rest.split_once('='))
        {
            return format!("the value of --{} is not valid UTF-8", flag.0);
        }
        return match argv[i - 1].to_str().filter(|a| a.starts_with('-') && i > 1) {
            Some(flag) => format!("the value of {flag} is not valid UTF-8"),
            None => format!("argument {i} is not valid UTF-8"),
        };
    }
    let var = std::env::vars_os()
        .filter(|(key, value)| {
            key.to_str()
                .is_some_and(|k| k.starts_with("ECS_SHIP_") || k.starts_with("SLACK_"))
                && bad(value)
        })
        .find_map(|(key, _)| key.into_string().ok());
    match var {
        Some(var) => format!("environment variable {var} is not valid UTF-8"),
        None => "an argument or ECS_SHIP_* variable is not valid UTF-8".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::ffi::OsStringExt;

    fn argv(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn json_is_asked_for_on_the_command_line() {
        assert!(json_requested(&argv(&["x", "deploy", "--output", "json"])));
        assert!(json_requested(&argv(&["x", "deploy", "--output=json"])));
        assert!(!json_requested(&argv(&[
            "x", "deploy", "--output", "human"
        ])));
    }

    #[test]
    fn the_command_is_found_among_the_arguments() {
        assert_eq!(
            command_name(&argv(&["x", "--cluster", "c", "migrate"])),
            "run-task"
        );
        assert_eq!(
            command_name(&argv(&["x", "ecr", "resolve", "a"])),
            "ecr resolve"
        );
        assert_eq!(command_name(&argv(&["x", "--bogus"])), "ecs-ship");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_the_flag() {
        let bad = OsString::from_vec(vec![b'a', 0xff]);
        let mut args = argv(&["x", "deploy", "--cluster"]);
        args.push(bad.clone());
        assert_eq!(non_utf8(&args), "the value of --cluster is not valid UTF-8");
        let mut inline = OsString::from("--service=");
        inline.push(&bad);
        let args = vec![OsString::from("x"), OsString::from("deploy"), inline];
        assert_eq!(non_utf8(&args), "the value of --service is not valid UTF-8");
    }
}
