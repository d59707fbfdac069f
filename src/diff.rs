//! A small line diff in unified style, for `deploy --dry-run`: what the new task-definition
//! revision changes, readable in a CI log.

/// `-`/`+`/` ` lines with `context` unchanged lines around each change and `@@` between hunks.
/// Empty when the texts are equal.
pub fn unified(old: &str, new: &str, context: usize) -> String {
    let old: Vec<&str> = old.lines().collect();
    let new: Vec<&str> = new.lines().collect();
    let ops = diff_lines(&old, &new);
    if ops.iter().all(|op| matches!(op, Op::Same(_))) {
        return String::new();
    }
    // Which ops to show: changes and `context` lines either side of them.
    let mut show = vec![false; ops.len()];
    for (i, op) in ops.iter().enumerate() {
        if !matches!(op, Op::Same(_)) {
            let from = i.saturating_sub(context);
            let to = (i + context + 1).min(ops.len());
            show[from..to].iter_mut().for_each(|s| *s = true);
        }
    }
    let mut out = String::new();
    let mut in_hunk = false;
    for (op, shown) in ops.iter().zip(&show) {
        if !shown {
            in_hunk = false;
            continue;
        }
        if !in_hunk {
            out.push_str("@@\n");
            in_hunk = true;
        }
        let (mark, line) = match op {
            Op::Same(line) => (' ', line),
            Op::Removed(line) => ('-', line),
            Op::Added(line) => ('+', line),
        };
        out.push(mark);
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[derive(Debug, PartialEq)]
enum Op<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// Longest-common-subsequence diff; task definitions are hundreds of lines, so O(n·m) is fine.
fn diff_lines<'a>(old: &[&'a str], new: &[&'a str]) -> Vec<Op<'a>> {
    // Common prefix and suffix first: most of a task definition does not change.
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (
        &old[prefix..old.len() - suffix],
        &new[prefix..new.len() - suffix],
    );
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<Op<'a>> = old[..prefix].iter().map(|l| Op::Same(l)).collect();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(Op::Added(b[j]));
            j += 1;
        } else {
            ops.push(Op::Removed(a[i]));
            i += 1;
        }
    }
    // Removals before additions within a change reads better: swap adjacent runs.
    let mut k = 0;
    while k < ops.len() {
        let start = k;
        while k < ops.len() && !matches!(ops[k], Op::Same(_)) {
            k += 1;
        }
        if k > start {
            ops[start..k].sort_by_key(|op| matches!(op, Op::Added(_)));
        } else {
            k += 1;
        }
    }
    ops.extend(old[old.len() - suffix..].iter().map(|l| Op::Same(l)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", 3), "");
    }

    #[test]
    fn a_changed_line_shows_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n";
        assert_eq!(unified(old, new, 1), "@@\n 4\n-5\n+five\n 6\n");
    }

    #[test]
    fn separate_changes_make_separate_hunks() {
        let old = "a\nb\nc\nd\ne\nf\ng\n";
        let new = "A\nb\nc\nd\ne\nf\nG\n";
        assert_eq!(unified(old, new, 1), "@@\n-a\n+A\n b\n@@\n f\n-g\n+G\n");
    }

    #[test]
    fn insertions_and_deletions() {
        assert_eq!(unified("a\nc\n", "a\nb\nc\n", 0), "@@\n+b\n");
        assert_eq!(unified("a\nb\nc\n", "a\nc\n", 0), "@@\n-b\n");
        assert_eq!(unified("", "x\n", 3), "@@\n+x\n");
    }

    #[test]
    fn removals_come_before_additions() {
        let diff = unified("x\n1\n2\ny\n", "x\n3\n4\ny\n", 0);
        assert_eq!(diff, "@@\n-1\n-2\n+3\n+4\n");
    }
}
