//! IAM: a role and the trust policy that says who may assume it (`verify`).

use super::{Aws, AwsError, Service};

/// A role as GetRole returns it, its trust policy decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub arn: String,
    /// The assume-role policy document, JSON text (IAM sends it URL-encoded).
    pub trust_policy: String,
}

impl Aws {
    /// GetRole by name (the part of a role ARN after its path).
    pub async fn role(&self, name: &str) -> Result<Role, AwsError> {
        let output = self
            .inner
            .iam
            .get_role()
            .role_name(name)
            .send()
            .await
            .map_err(Service::Iam.failed("GetRole"))?;
        let role = output
            .role()
            .ok_or_else(|| AwsError::unreadable(Service::Iam, "GetRole"))?;
        let document = role.assume_role_policy_document().unwrap_or_default();
        Ok(Role {
            arn: role.arn().to_string(),
            trust_policy: percent_encoding::percent_decode_str(document)
                .decode_utf8_lossy()
                .into_owned(),
        })
    }
}
