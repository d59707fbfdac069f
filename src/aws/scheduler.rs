//! EventBridge Scheduler: GetSchedule and UpdateSchedule. UpdateSchedule replaces the whole
//! schedule, so the schedule is kept as the JSON GetSchedule sent (`raw.rs`) and written back
//! with every field but the read-only ones: State, expression and timezone, dates, flexible
//! window, KMS key, ActionAfterCompletion and the whole Target, fields newer than this SDK too.

use bytes::Bytes;
use serde_json::{Map, Value};

use super::raw::{replace_body, RawResponse};
use super::{Aws, AwsError, Service};

/// Fields GetSchedule returns that UpdateSchedule does not take in its body (`Name` is in the
/// path).
pub const SCHEDULE_READ_ONLY_FIELDS: [&str; 4] =
    ["Arn", "CreationDate", "LastModificationDate", "Name"];

impl Aws {
    /// GetSchedule, as the JSON Scheduler sent.
    pub async fn get_schedule(
        &self,
        group: &str,
        name: &str,
    ) -> Result<Map<String, Value>, AwsError> {
        let raw = RawResponse::default();
        self.inner
            .scheduler
            .get_schedule()
            .name(name)
            .group_name(group)
            .customize()
            .interceptor(raw.clone())
            .send()
            .await
            .map_err(Service::Scheduler.failed("GetSchedule"))?;
        match raw
            .take()
            .and_then(|body| serde_json::from_slice(&body).ok())
        {
            Some(Value::Object(schedule)) => Ok(schedule),
            _ => Err(AwsError::unreadable(Service::Scheduler, "GetSchedule")),
        }
    }

    /// UpdateSchedule of `name` with `body` (a GetSchedule answer without its read-only fields)
    /// sent as it is.
    pub async fn update_schedule(
        &self,
        name: &str,
        body: &Map<String, Value>,
    ) -> Result<(), AwsError> {
        let bytes = Bytes::from(serde_json::to_vec(body).expect("JSON values serialize"));
        self.inner
            .scheduler
            .update_schedule()
            .name(name)
            .set_group_name(
                body.get("GroupName")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
            .customize()
            .mutate_request(replace_body(bytes))
            .send()
            .await
            .map_err(Service::Scheduler.failed("UpdateSchedule"))
            .map(drop)
    }
}
