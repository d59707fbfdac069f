//! The AWS layer: one `SdkConfig`, the official SDK clients built from it, and the conversions
//! from SDK types into ecs-ship's own (`crate::ecs::Task`, …), so nothing outside this folder
//! sees an SDK type. Calls answer `AwsError`; what an error means to the user is decided by the
//! caller (see `error.rs` for the one table of AWS error codes).
//!
//! Task definitions, RunTask requests, EventBridge rule targets and Scheduler schedules are the
//! places where JSON goes over the wire as ecs-ship holds it: `raw.rs` keeps the response body
//! of DescribeTaskDefinition / ListTargetsByRule / GetSchedule and sends the derived body for
//! RegisterTaskDefinition / RunTask / PutTargets / UpdateSchedule inside the SDK's own
//! pipeline, so fields newer than the compiled-in SDK survive, while signing, retries and
//! endpoints stay the SDK's.

mod assume_role;
mod autoscaling;
mod codedeploy;
mod config;
mod daemons;
mod ecr;
mod ecs;
mod error;
mod events;
mod express;
mod iam;
mod logs;
mod pacer;
mod pacing;
mod raw;
mod scheduler;
mod secretsmanager;
mod service_deployments;
mod ssm;
mod task_definitions;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::{Region, SdkConfig};

use pacing::{ConcurrentRevision, Pacing};
use raw::CallLog;

use crate::render::progress::Progress;

pub use assume_role::{
    default_session_name, parse_external_id, parse_role_arn, parse_session_name, AssumeRole,
};
pub use autoscaling::{service_resource_id, ScalableTarget, SuspendedState, TargetChange};
pub use codedeploy::{DeploymentGroup, NewDeployment};
pub use config::AwsOptions;
pub use daemons::DaemonUpdate;
pub use ecr::{ImageLookup, ImageManifest};
pub use ecs::ServiceUpdate;
pub use error::{AwsError, ErrorKind, Service};
pub use express::ExpressUpdate;
pub use iam::Role;
pub use pacing::{polling, REPORT_GRACE};
pub use scheduler::SCHEDULE_READ_ONLY_FIELDS;
pub use task_definitions::DELETE_TASK_DEFINITIONS_MAX;

/// The SDK clients, cheap to clone and shared by every concurrent poll.
#[derive(Clone)]
pub struct Aws {
    inner: Arc<Inner>,
}

struct Inner {
    sdk: SdkConfig,
    region: String,
    ecs: aws_sdk_ecs::Client,
    codedeploy: aws_sdk_codedeploy::Client,
    /// EventBridge rules and EventBridge Scheduler, for the scheduled tasks `deploy` moves.
    events: aws_sdk_eventbridge::Client,
    scheduler: aws_sdk_scheduler::Client,
    /// CloudWatch Logs and ECR clients by region: a container may log to another region's
    /// group, an image may live in another region's registry.
    logs: Mutex<HashMap<String, aws_sdk_cloudwatchlogs::Client>>,
    ecr: Mutex<HashMap<String, aws_sdk_ecr::Client>>,
    /// `verify`'s read-only clients: IAM is global; a secret or parameter names its region.
    iam: aws_sdk_iam::Client,
    secretsmanager: Mutex<HashMap<String, aws_sdk_secretsmanager::Client>>,
    ssm: Mutex<HashMap<String, aws_sdk_ssm::Client>>,
    /// Application Auto Scaling: the scalable targets of services (`deploy`, `status`).
    autoscaling: aws_sdk_applicationautoscaling::Client,
    calls: Arc<AtomicUsize>,
    progress: Progress,
    pacing: Pacing,
}

impl Aws {
    /// Resolves region, credentials source, endpoints and retry settings; makes no call yet.
    pub async fn connect(options: AwsOptions, progress: Progress) -> Result<Self, AwsError> {
        let (sdk, region, pacing) = config::load(&options).await?;
        let calls = Arc::new(AtomicUsize::new(0));
        let log = || CallLog::new(calls.clone(), progress.clone(), pacing.clone());
        let ecs = aws_sdk_ecs::Client::from_conf(
            aws_sdk_ecs::config::Builder::from(&sdk)
                .interceptor(log())
                .retry_classifier(ConcurrentRevision)
                .build(),
        );
        let codedeploy = aws_sdk_codedeploy::Client::from_conf(
            aws_sdk_codedeploy::config::Builder::from(&sdk)
                .interceptor(log())
                .build(),
        );
        let events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&sdk)
                .interceptor(log())
                .build(),
        );
        let scheduler = aws_sdk_scheduler::Client::from_conf(
            aws_sdk_scheduler::config::Builder::from(&sdk)
                .interceptor(log())
                .build(),
        );
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(&sdk)
                .interceptor(log())
                .build(),
        );
        let autoscaling = aws_sdk_applicationautoscaling::Client::from_conf(
            aws_sdk_applicationautoscaling::config::Builder::from(&sdk)
                .interceptor(log())
                .build(),
        );
        Ok(Aws {
            inner: Arc::new(Inner {
                sdk,
                region,
                ecs,
                codedeploy,
                events,
                scheduler,
                logs: Mutex::new(HashMap::new()),
                ecr: Mutex::new(HashMap::new()),
                iam,
                secretsmanager: Mutex::new(HashMap::new()),
                ssm: Mutex::new(HashMap::new()),
                autoscaling,
                calls,
                progress,
                pacing,
            }),
        })
    }

    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// How many HTTP requests went to AWS so far (retries included).
    pub fn calls(&self) -> usize {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// What is left before the command's deadline (`None`: no limit).
    pub fn time_left(&self) -> Option<Duration> {
        let deadline = self.inner.pacing.deadline()?;
        Some(deadline.saturating_duration_since(Instant::now()))
    }

    fn call_log(&self) -> CallLog {
        CallLog::new(
            self.inner.calls.clone(),
            self.inner.progress.clone(),
            self.inner.pacing.clone(),
        )
    }

    /// The client for `region` (default: the configured one), built once and kept.
    fn regional<C: Clone>(
        &self,
        cache: &Mutex<HashMap<String, C>>,
        region: Option<&str>,
        build: impl FnOnce(Region, CallLog) -> C,
    ) -> C {
        let region = region.unwrap_or(&self.inner.region);
        let mut clients = cache.lock().expect("client cache lock");
        clients
            .entry(region.to_string())
            .or_insert_with(|| build(Region::new(region.to_string()), self.call_log()))
            .clone()
    }
}
