//! IAM answers as the query protocol sends them: XML, the role's trust policy URL-encoded.

use wiremock::ResponseTemplate;

const ACCOUNT: &str = "123456789012";

/// The trust policy that lets ECS tasks assume a role.
pub const ECS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn xml(status: u16, body: String) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body, "text/xml")
}

/// GetRole's answer: role `name`, with `trust` as its trust policy.
pub fn role(name: &str, trust: &str) -> ResponseTemplate {
    let encoded: String = trust
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    xml(
        200,
        format!(
            r#"<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/</Path>
      <AssumeRolePolicyDocument>{encoded}</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <RoleId>AROAEXAMPLEID{}</RoleId>
      <RoleName>{name}</RoleName>
      <Arn>{}</Arn>
      <CreateDate>2023-01-01T00:00:00Z</CreateDate>
    </Role>
  </GetRoleResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</GetRoleResponse>"#,
            name.len(),
            role_arn(name)
        ),
    )
}

/// An IAM error answer.
pub fn error(status: u16, code: &str, message: &str) -> ResponseTemplate {
    xml(
        status,
        format!(
            r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>4c0ec5ce-1c6a-4e8a-a3f4-0e3aEXAMPLE</RequestId>
</ErrorResponse>"#
        ),
    )
}

/// GetRole's answer for a role that does not exist.
pub fn no_such_role(name: &str) -> ResponseTemplate {
    error(
        404,
        "NoSuchEntity",
        &format!("The role with name {name} cannot be found."),
    )
}
