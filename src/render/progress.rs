//! Progress for people, on stderr: timestamped lines in CI, plus a live status line on a terminal.
//! stdout is reserved for results.

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    quiet: bool,
    verbose: bool,
    live: bool,
    started: Instant,
    /// The live status line currently drawn, if any.
    status: Mutex<Option<String>>,
}

impl Progress {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        let live = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        Progress {
            inner: Arc::new(Inner {
                quiet,
                verbose,
                live,
                started: Instant::now(),
                status: Mutex::new(None),
            }),
        }
    }

    /// A progress line: what is being done, a state change, a verdict.
    pub fn say(&self, message: impl Display) {
        if !self.inner.quiet {
            self.line(&format!("{} {message}", timestamp()));
        }
    }

    /// Shown even with `-q`.
    pub fn warn(&self, message: impl Display) {
        self.line(&format!("{} warning: {message}", timestamp()));
    }

    /// Only with `-v`.
    pub fn debug(&self, message: impl Display) {
        if self.inner.verbose {
            self.line(&format!("{} debug: {message}", timestamp()));
        }
    }

    /// A line of the task's own output, exactly as the container wrote it.
    pub fn log_line(&self, container: Option<&str>, message: &str) {
        if self.inner.quiet {
            return;
        }
        let message = message.trim_end_matches(['\n', '\r']);
        match container {
            Some(name) => self.line(&format!("[{name}] {message}")),
            None => self.line(message),
        }
    }

    /// Redraws the live status line on a terminal; does nothing in CI, where state changes are
    /// printed as lines instead.
    pub fn status(&self, text: impl Display) {
        if !self.inner.live || self.inner.quiet {
            return;
        }
        let text = format!("⏳ {text}");
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{text}");
        let _ = stderr.flush();
        *self.inner.status.lock().unwrap() = Some(text);
    }

    pub fn clear_status(&self) {
        let mut status = self.inner.status.lock().unwrap();
        if status.take().is_some() {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.inner.started.elapsed()
    }

    fn line(&self, text: &str) {
        let status = self.inner.status.lock().unwrap();
        let mut stderr = std::io::stderr().lock();
        if status.is_some() {
            let _ = write!(stderr, "\r\x1b[2K");
        }
        let _ = writeln!(stderr, "{text}");
        if let Some(status) = status.as_ref() {
            let _ = write!(stderr, "{status}");
        }
        let _ = stderr.flush();
    }
}

/// UTC wall-clock time, `HH:MM:SS`, so CI logs line up with AWS console times.
fn timestamp() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}
