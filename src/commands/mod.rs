//! One file per command, each holding that command's whole story.

pub mod run_task;
