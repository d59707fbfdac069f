//! One line of the checklist: what was checked, how it came out, and on ✗ what to do. The
//! types are part of the `verify` result (`crate::output`); here is how verify builds them and
//! the lines people read.

pub use crate::output::{Check, Checklist, Kind, State};

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Image => "image",
            Kind::Role => "role",
            Kind::Secret => "secret",
            Kind::LogGroup => "log group",
            Kind::FargateSize => "Fargate size",
            Kind::LoadBalancer => "load balancer",
            Kind::ServiceConnect => "Service Connect",
        }
    }
}

impl Check {
    pub fn passed(kind: Kind, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Check::new(kind, subject, State::Passed, detail, None)
    }

    pub fn failed(
        kind: Kind,
        subject: impl Into<String>,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Check::new(kind, subject, State::Failed, detail, Some(fix.into()))
    }

    pub fn skipped(kind: Kind, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Check::new(kind, subject, State::Skipped, detail, None)
    }

    pub fn not_checked(kind: Kind, subject: impl Into<String>, detail: impl Into<String>) -> Self {
        Check::new(kind, subject, State::NotChecked, detail, None)
    }

    fn new(
        kind: Kind,
        subject: impl Into<String>,
        state: State,
        detail: impl Into<String>,
        fix: Option<String>,
    ) -> Self {
        Check {
            kind,
            subject: subject.into(),
            state,
            detail: detail.into(),
            fix,
        }
    }

    /// What went wrong, without the fix: `✗ secret app DB: does not exist` (the error that
    /// ends a failed verify lists these; the checklist above it has the fixes).
    pub fn problem(&self) -> String {
        format!("✗ {} {}: {}", self.kind.label(), self.subject, self.detail)
    }

    /// The checklist line: `✓ image app: … has linux/amd64`, `✗ … (fix: …)`,
    /// `- role …: skipped (needs iam:GetRole)`.
    pub fn line(&self) -> String {
        let (kind, subject, detail) = (self.kind.label(), &self.subject, &self.detail);
        match self.state {
            State::Passed => format!("✓ {kind} {subject}: {detail}"),
            State::Failed => match &self.fix {
                Some(fix) => format!("{} (fix: {fix})", self.problem()),
                None => self.problem(),
            },
            State::Skipped => format!("- {kind} {subject}: skipped ({detail})"),
            State::NotChecked => format!("· {kind} {subject}: not checked ({detail})"),
        }
    }
}

impl Checklist {
    pub fn failed(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.state == State::Failed)
    }

    /// The human checklist: a heading, then one line per check.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} → {}", self.name, self.task_definition)];
        lines.extend(self.checks.iter().map(|c| format!("  {}", c.line())));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_has_its_mark_and_a_failure_says_what_to_do() {
        assert_eq!(
            Check::passed(Kind::LogGroup, "app", "/ecs/app exists").line(),
            "✓ log group app: /ecs/app exists"
        );
        assert_eq!(
            Check::failed(Kind::Secret, "app DB", "does not exist", "create it").line(),
            "✗ secret app DB: does not exist (fix: create it)"
        );
        assert_eq!(
            Check::skipped(Kind::Role, "execution", "needs iam:GetRole").line(),
            "- role execution: skipped (needs iam:GetRole)"
        );
        assert_eq!(
            Check::not_checked(Kind::Image, "app: nginx", "not in ECR").line(),
            "· image app: nginx: not checked (not in ECR)"
        );
    }
}
