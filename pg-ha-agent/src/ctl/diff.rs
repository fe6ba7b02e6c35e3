//! A unified diff of two texts (line based, 3 lines of context), for `edit-config`.

/// One line of the edit script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// The unified diff from `before` to `after`, empty when they are equal.
pub fn unified(before: &str, after: &str) -> String {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let ops = script(&a, &b);
    if ops.iter().all(|op| matches!(op, Op::Same(_))) {
        return String::new();
    }
    let mut out = String::from("---\n+++\n");
    for (start, end) in hunks(&ops, 3) {
        let (mut a_start, mut b_start) = (1, 1);
        for op in &ops[..start] {
            match op {
                Op::Same(_) => {
                    a_start += 1;
                    b_start += 1;
                }
                Op::Removed(_) => a_start += 1,
                Op::Added(_) => b_start += 1,
            }
        }
        let hunk = &ops[start..end];
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Added(_))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Removed(_))).count();
        out.push_str(&format!(
            "@@ -{},{a_len} +{},{b_len} @@\n",
            if a_len == 0 { a_start - 1 } else { a_start },
            if b_len == 0 { b_start - 1 } else { b_start },
        ));
        for op in hunk {
            let (mark, line) = match op {
                Op::Same(l) => (' ', l),
                Op::Removed(l) => ('-', l),
                Op::Added(l) => ('+', l),
            };
            out.push(mark);
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The shortest edit script by longest common subsequence (the texts are small).
fn script<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Removed(a[i]));
            i += 1;
        } else {
            ops.push(Op::Added(b[j]));
            j += 1;
        }
    }
    ops
}

/// Ranges of `ops` around the changes, with `context` unchanged lines on each side; ranges
/// that touch are merged.
fn hunks(ops: &[Op<'_>], context: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        if matches!(op, Op::Same(_)) {
            continue;
        }
        let start = k.saturating_sub(context);
        let end = (k + 1 + context).min(ops.len());
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n"), "");
    }

    #[test]
    fn changes_with_context() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\ni\nj\n";
        assert_eq!(
            unified(before, after),
            "---\n+++\n@@ -2,8 +2,9 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n i\n+j\n"
        );
    }

    #[test]
    fn distant_changes_make_two_hunks() {
        let before = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let after = "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        assert_eq!(
            unified(before, after),
            "---\n+++\n@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n@@ -7,4 +8,3 @@\n 7\n 8\n 9\n-10\n"
        );
    }
}
