//! One file per command, each holding that command's whole story.

pub mod continue_;
pub mod deploy;
pub mod ecr;
mod follow_up;
pub mod iam_policy;
pub mod notify;
pub mod prune;
pub mod rollback;
pub mod run_task;
pub mod status;
pub mod verify;
pub mod wait;
