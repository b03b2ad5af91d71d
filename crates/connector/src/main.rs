//! The `atlassian-dc` command. Its sub-commands arrive with the `connector` issue; until then it
//! says so instead of pretending to scan.

fn main() -> std::process::ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("atlassian-dc: the command line is not built yet (see the `connector` issue)");
    }
    std::process::ExitCode::from(2)
}
