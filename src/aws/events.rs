//! EventBridge rules: the targets of a rule, every page, and PutTargets. Targets stay the JSON
//! EventBridge sent (`raw.rs`), so a target written back keeps every field, known to this SDK
//! version or not: Input, InputTransformer, RetryPolicy, DeadLetterConfig, EcsParameters…

use bytes::Bytes;
use serde_json::Value;

use super::raw::{replace_body, RawResponse};
use super::{Aws, AwsError, Service};

/// PutTargets takes at most this many targets per call.
const PUT_TARGETS_MAX: usize = 10;

/// A target PutTargets did not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedTarget {
    pub id: String,
    pub code: String,
    pub message: String,
}

impl Aws {
    /// ListTargetsByRule, every page, each target as EventBridge sent it.
    pub async fn list_targets_by_rule(
        &self,
        bus: &str,
        rule: &str,
    ) -> Result<Vec<Value>, AwsError> {
        let mut targets = vec![];
        let mut token: Option<String> = None;
        loop {
            let raw = RawResponse::default();
            self.inner
                .events
                .list_targets_by_rule()
                .rule(rule)
                .event_bus_name(bus)
                .set_next_token(token.take())
                .customize()
                .interceptor(raw.clone())
                .send()
                .await
                .map_err(Service::Events.failed("ListTargetsByRule"))?;
            let mut page: Value = raw
                .take()
                .and_then(|body| serde_json::from_slice(&body).ok())
                .ok_or_else(|| AwsError::unreadable(Service::Events, "ListTargetsByRule"))?;
            if let Some(Value::Array(list)) = page.get_mut("Targets").map(Value::take) {
                targets.extend(list);
            }
            match page.get("NextToken").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(targets),
            }
        }
    }

    /// PutTargets with `targets` sent as they are, 10 a call; the targets EventBridge refused.
    pub async fn put_targets(
        &self,
        bus: &str,
        rule: &str,
        targets: &[Value],
    ) -> Result<Vec<FailedTarget>, AwsError> {
        let mut refused = vec![];
        for chunk in targets.chunks(PUT_TARGETS_MAX) {
            let request =
                serde_json::json!({ "Rule": rule, "EventBusName": bus, "Targets": chunk });
            let body = Bytes::from(serde_json::to_vec(&request).expect("JSON values serialize"));
            let output = self
                .inner
                .events
                .put_targets()
                .rule(rule)
                .event_bus_name(bus)
                .customize()
                .mutate_request(replace_body(body))
                .send()
                .await
                .map_err(Service::Events.failed("PutTargets"))?;
            if output.failed_entry_count() > 0 {
                refused.extend(output.failed_entries().iter().map(|entry| FailedTarget {
                    id: entry.target_id().unwrap_or_default().to_string(),
                    code: entry.error_code().unwrap_or_default().to_string(),
                    message: entry.error_message().unwrap_or_default().to_string(),
                }));
                if refused.is_empty() {
                    refused.push(FailedTarget {
                        id: String::new(),
                        code: String::new(),
                        message: format!(
                            "{} target(s) failed without details",
                            output.failed_entry_count()
                        ),
                    });
                }
            }
        }
        Ok(refused)
    }
}
