// boost::program_options → option structs, with the help text of every command.
#include "options.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "flag_names.h"
#include "forensics/log_events.h"
#include "forensics/report.h"

namespace po = boost::program_options;

namespace forensics::cli {
namespace {

constexpr const char* kMainUsage = R"(forensics — incident forensics for COINjecture v4 nodes

Usage:
  forensics --issue state-violation --chain PATH [--block HASH|PREFIX] [--from H] [--to H]
            [--logs FILE…] [--profile neta|core-v4] [--out DIR] [--format text|json|markdown]
  forensics --issue parity-drift --log FILE… [--chain PATH] [--metrics FILE] [--out DIR] [--format …]
  forensics --issue network-fork --node NAME=PATH… [--logs FILE…] [--out DIR] [--format …]
  forensics fingerprint --chain PATH --out FILE [--name NODE]
  forensics --issue cid-quorum --logs FILE… [--manifests DIR|FILE…] [--content DIR] [--chain PATH]
            [--metrics FILE] [--quorum N/M] [--out DIR] [--format …]
  forensics import   --from EXPORT… --db DIR
  forensics generate --out FILE [--blocks N] [--accounts N] [--txs-per-block N] [--seed N]
                     [--fault KIND@HEIGHT…] [--logs FILE]
  forensics hash-backends
  forensics --version

--log and --logs are one option, spelled either way, wherever a command takes log files.

Examples:
  forensics --issue state-violation --chain chain.ndjson.zst --out incident/
  forensics --issue state-violation --chain /var/lib/coinjecture/chaindb --block 3f2a9c0d11e4b7a2
  forensics --issue parity-drift --log shim.log.zst --chain chain.ndjson --out drift/

Exit status: 0 clean, 1 violation or drift found, 2 usage error, 3 input unreadable,
4 inconclusive (too much could not be verified).
)";

// Each issue's own usage and example, for `--issue KIND --help`.
constexpr std::pair<const char*, const char*> kIssueUsage[] = {
    {"state-violation",
     "Usage: forensics --issue state-violation --chain PATH [--block HASH|PREFIX] [--from H] [--to H] [--logs FILE…]\n"
     "                 [--genesis FILE] [--out DIR] [--format text|json|markdown] [--metrics-out FILE]\n\n"
     "Replays the chain, names the first bad block, why, and the reorg target (docs/cli.md).\n"
     "Example: forensics --issue state-violation --chain /var/lib/coinjecture/chaindb --logs node*.log.zst --out incident/\n"},
    {"parity-drift",
     "Usage: forensics --issue parity-drift --log FILE… [--chain PATH] [--metrics FILE] [--out DIR] [--format …]\n\n"
     "Counts PARITY DRIFT records, the drift rate per function and minute, and explains header drifts (docs/logs.md).\n"
     "Example: forensics --issue parity-drift --log shim.log.zst --chain chain.ndjson --out drift/\n"},
    {"network-fork",
     "Usage: forensics --issue network-fork --node NAME=PATH… [--logs FILE…] [--out DIR] [--format …]\n\n"
     "Compares many nodes (fingerprints, stores, exports, coinjecture.db, logs): the branches, the fork choice,\n"
     "the network target and each node's action (docs/fleet.md).\n"
     "Example: forensics --issue network-fork --node n1=n1.fp.zst n2=/var/lib/coinjecture/chaindb --out fork/\n"},
};

std::string CommandLine(int argc, char** argv) {
  std::string s = "forensics";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--out" || a == "--metrics-out") {
      ++i;
      continue;
    }
    if (a.rfind("--out=", 0) == 0 || a.rfind("--metrics-out=", 0) == 0 || a == "--progress") continue;
    s += " " + ShellQuote(a);
  }
  return s;
}

Result<Format> ParseFormat(const std::string& f) {
  if (f == "text") return Format::kText;
  if (f == "json") return Format::kJson;
  if (f == "markdown") return Format::kMarkdown;
  return Status::InvalidArgument(fmt::format("--format {}: expected text, json or markdown", f));
}

Result<std::optional<Profile>> ParseProfileOption(const po::variables_map& vm) {
  if (!vm.count("profile")) return std::optional<Profile>();
  auto p = ParseProfile(vm["profile"].as<std::string>());
  if (!p) return Status::InvalidArgument(fmt::format("--profile {}: expected neta or core-v4", vm["profile"].as<std::string>()));
  return std::optional<Profile>(p);
}

template <typename T>
std::optional<T> Opt(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<T>();
}

// Numeric options are read as text and converted here: Boost's own conversion reads "--blocks -5"
// as 2^64 - 5. A sign on an unsigned option, a fraction, trailing characters, nan, inf or a value
// out of [lo, hi] is a usage error naming the option and its range (`range` says it in words where
// the bounds would not); an absent option leaves *out as it was (its default).
template <typename T>
Status Number(const po::variables_map& vm, const char* name, T lo, T hi, T* out, const char* range = nullptr) {
  if (!vm.count(name)) return Status::Ok();
  const std::string& text = vm[name].as<std::string>();
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  bool ok = ec == std::errc() && end == text.data() + text.size() && v >= lo && v <= hi;
  if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(v);
  if (ok) {
    *out = v;
    return Status::Ok();
  }
  const std::string expected =
      range ? range : fmt::format("{} from {} to {}", std::is_floating_point_v<T> ? "a number" : "a whole number", lo, hi);
  return Status::InvalidArgument(fmt::format("--{} {}: expected {}", name, text, expected));
}

template <typename T>
Status Number(const po::variables_map& vm, const char* name, T lo, T hi, std::optional<T>* out) {
  if (!vm.count(name)) return Status::Ok();
  T v{};
  FORENSICS_RETURN_IF_ERROR(Number(vm, name, lo, hi, &v));
  *out = v;
  return Status::Ok();
}

// Parses argv[first..] into *vm. A word that belongs to no option is a usage error (Boost would
// drop it without a word).
// Levenshtein distance, for "did you mean".
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'X'?)" for the closest of `known` within a third of the word's length, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = std::max<size_t>(1, word.size() / 3) + 1;
  for (const std::string& k : known) {
    const size_t d = EditDistance(word, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best.empty() ? "" : fmt::format(" (did you mean '{}'?)", best);
}

const std::vector<std::string> kCommands = {"import", "generate", "hash-backends", "fingerprint"};
const std::vector<std::string> kIssues = {"state-violation", "parity-drift", "network-fork", "cid-quorum"};

Status Store(int argc, char** argv, const po::options_description& d, po::variables_map* vm) {
  po::parsed_options parsed = [&] {
    try {
      return po::command_line_parser(argc, argv).options(d).run();
    } catch (const po::unknown_option& e) {
      std::vector<std::string> names;
      for (const auto& o : d.options()) names.push_back("--" + o->long_name());
      throw po::error(std::string(e.what()) + DidYouMean(e.get_option_name(), names));
    }
  }();
  for (const po::option& o : parsed.options)
    if (o.string_key.empty()) {
      const std::string& word = o.original_tokens.front();
      return Status::InvalidArgument(
          fmt::format("unexpected argument '{}'{}", word, word.rfind('-', 0) == 0 ? "" : DidYouMean(word, kCommands)));
    }
  po::store(parsed, *vm);
  po::notify(*vm);
  return Status::Ok();
}

// --log and --logs are one option: the files of both, --log's first.
// --since and --until (either may be absent), and that the window they give is not empty.
Status LogWindow(const po::variables_map& vm, std::optional<int64_t>* since, std::optional<int64_t>* until) {
  for (auto [name, out] : {std::pair{"since", since}, std::pair{"until", until}}) {
    if (!vm.count(name)) continue;
    auto t = ParseLogTime(vm[name].as<std::string>());
    if (!t) return Status::InvalidArgument(fmt::format("--{}: {}", name, t.error().message()));
    *out = *t;
  }
  if (*since && *until && **since > **until) return Status::InvalidArgument("--since is after --until");
  return Status::Ok();
}

std::vector<std::string> LogFiles(const po::variables_map& vm) {
  std::vector<std::string> files = Opt<std::vector<std::string>>(vm, "log").value_or(std::vector<std::string>{});
  for (const auto& f : Opt<std::vector<std::string>>(vm, "logs").value_or(std::vector<std::string>{})) files.push_back(f);
  return files;
}

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

std::string Help(const po::options_description& d, const char* usage) {
  std::ostringstream os;
  os << usage << "\n" << d;
  return os.str();
}

Result<Parsed> ParseIssue(int argc, char** argv) {
  po::options_description d("Options");
  d.add_options()
      ("help,h", "show this help")
      ("version,V", "print the version")
      ("issue", po::value<std::string>(), "state-violation, parity-drift, network-fork or cid-quorum")
      ("node", po::value<std::vector<std::string>>()->multitoken(),
       "network-fork: NAME=PATH, PATH a fingerprint, a chain store, an export or a coinjecture.db (repeatable)")
      ("chain", po::value<std::string>(),
       "RocksDB chain store directory, the daemon's SQLite coinjecture.db, or NDJSON export (.ndjson, .zst, .gz)")
      ("genesis", po::value<std::string>(),
       "coinjecture.db only: the genesis allocations (an export, whose chain record is used, or a JSON list of "
       "{address, balance, nonce}); default: an empty genesis")
      ("block", po::value<std::string>(), "focus on a block: full hash or the 16-hex prefix daemon logs print")
      ("from", po::value<std::string>(), "start at the nearest snapshot at or below this height")
      ("to", po::value<std::string>(), "stop after this height")
      ("logs", po::value<std::vector<std::string>>()->multitoken(),
       "log files (plain, .zst, .gz, journald): daemon logs for a state-violation timeline, parity logs for "
       "parity-drift")
      ("log", po::value<std::vector<std::string>>()->multitoken(), "the same as --logs")
      ("metrics", po::value<std::string>(), "Prometheus metrics file (parity-drift)")
      ("profile", po::value<std::string>(), "hash profile: neta or core-v4 (default: the export's own)")
      ("out", po::value<std::string>(), "write report.md and report.json into this directory")
      ("metrics-out", po::value<std::string>(),
       "write the verdict as a Prometheus textfile (node_exporter's textfile collector; written to a temporary "
       "name and renamed)")
      ("format", po::value<std::string>()->default_value("text"), "stdout format: text, json or markdown")
      ("skip-signatures", "do not verify Ed25519 signatures (the report says so)")
      ("threads", po::value<std::string>(), "signature-verification threads, 0 to 1024 (0 or absent: all cores)")
      ("later-cap", po::value<std::string>()->default_value("50"), "how many rows of later findings report.md lists, a run of one finding at consecutive heights a row (report.json lists all)")
      ("timeline-events", po::value<std::string>()->default_value("25"),
       "log events listed before and after the bad block, 0 to 100000")
      ("since", po::value<std::string>(), "ignore log lines before this time (\"YYYY-MM-DD HH:MM:SS\" or ISO 8601, UTC)")
      ("until", po::value<std::string>(), "ignore log lines after this time")
      ("year", po::value<std::string>(), "year of journald short timestamps (they carry none), 1970 to 9999")
      ("time-budget", po::value<std::string>(), "stop after this many seconds (more than 0); the report is marked partial")
      ("progress", "show progress on stderr even when it is not a terminal")
      ("hash-backend", po::value<std::string>(), "force a SHA-256 backend (see forensics hash-backends)");
  po::variables_map vm;
  FORENSICS_RETURN_IF_ERROR(Store(argc, argv, d, &vm));

  Parsed p{};
  p.hash_backend = Opt<std::string>(vm, "hash-backend");
  if (argc == 1) return Status::InvalidArgument(fmt::format("no command given\n\n{}", kMainUsage));
  if (vm.count("help")) {
    p.kind = Parsed::Kind::kHelp;
    p.help_text = Help(d, kMainUsage);
    // `--issue KIND --help`: that issue's usage and example first.
    if (vm.count("issue")) {
      const std::string issue = vm["issue"].as<std::string>();
      for (const auto& [kind, usage] : kIssueUsage)
        if (issue == kind) p.help_text = Help(d, usage);
    }
    return p;
  }
  if (vm.count("version")) {
    p.kind = Parsed::Kind::kVersion;
    return p;
  }
  if (!vm.count("issue"))
    return Status::InvalidArgument("missing --issue (state-violation, parity-drift, network-fork or cid-quorum); see --help");
  if (vm.count("node") && vm["issue"].as<std::string>() != "network-fork")
    return Status::InvalidArgument("--node belongs to --issue network-fork");
  const std::string issue = vm["issue"].as<std::string>();
  auto format = ParseFormat(vm["format"].as<std::string>());
  if (!format) return format.error();
  auto profile = ParseProfileOption(vm);
  if (!profile) return profile.error();
  Common common;
  common.out_dir = Opt<std::string>(vm, "out");
  common.metrics_out = Opt<std::string>(vm, "metrics-out");
  common.format = *format;
  common.progress = vm.count("progress") > 0;
  common.command_line = CommandLine(argc, argv);

  if (issue == "state-violation") {
    if (!vm.count("chain")) return Status::InvalidArgument("--issue state-violation needs --chain PATH");
    if (vm.count("metrics")) return Status::InvalidArgument("--metrics belongs to --issue parity-drift");
    p.kind = Parsed::Kind::kStateViolation;
    StateViolationCommand& c = p.state_violation;
    c.options.chain_path = vm["chain"].as<std::string>();
    c.options.block = Opt<std::string>(vm, "block");
    c.options.genesis_path = Opt<std::string>(vm, "genesis");
    FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "from", 0, kU64Max, &c.options.from));
    FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "to", 0, kU64Max, &c.options.to));
    c.options.profile = *profile;
    c.options.verify_signatures = !vm.count("skip-signatures");
    FORENSICS_RETURN_IF_ERROR(Number<unsigned>(vm, "threads", 0, 1024, &c.options.threads));
    FORENSICS_RETURN_IF_ERROR(Number<size_t>(vm, "later-cap", 0, std::numeric_limits<size_t>::max(), &c.options.later_cap));
    FORENSICS_RETURN_IF_ERROR(Number<size_t>(vm, "timeline-events", 0, 100000, &c.options.timeline_events));
    // More than 0: the library reads 0 as no budget at all.
    FORENSICS_RETURN_IF_ERROR(Number(vm, "time-budget", std::numeric_limits<double>::denorm_min(),
                                     std::numeric_limits<double>::max(), &c.options.time_budget_seconds,
                                     "a finite number of seconds above 0"));
    if (c.options.from && c.options.to && *c.options.from > *c.options.to)
      return Status::InvalidArgument("--from must not be above --to");
    c.options.log_files = LogFiles(vm);
    FORENSICS_RETURN_IF_ERROR(LogWindow(vm, &c.options.since_us, &c.options.until_us));
    FORENSICS_RETURN_IF_ERROR(Number(vm, "year", 1970, 9999, &c.options.year));
    c.options.option_names = FlagName;
    c.common = common;
    return p;
  }
  if (issue == "parity-drift") {
    std::vector<std::string> logs = LogFiles(vm);
    if (logs.empty()) return Status::InvalidArgument("--issue parity-drift needs --log FILE…");
    if (vm.count("genesis")) return Status::InvalidArgument("--genesis belongs to --issue state-violation");
    p.kind = Parsed::Kind::kParityDrift;
    ParityDriftCommand& c = p.parity_drift;
    c.options.log_files = logs;
    c.options.chain_path = Opt<std::string>(vm, "chain");
    c.options.metrics_path = Opt<std::string>(vm, "metrics");
    c.options.profile = *profile;
    FORENSICS_RETURN_IF_ERROR(LogWindow(vm, &c.options.since_us, &c.options.until_us));
    FORENSICS_RETURN_IF_ERROR(Number(vm, "year", 1970, 9999, &c.options.year));
    c.options.option_names = FlagName;
    c.common = common;
    return p;
  }
  if (issue == "network-fork") {
    if (!vm.count("node") && LogFiles(vm).empty())
      return Status::InvalidArgument("--issue network-fork needs --node NAME=PATH… (and/or --logs FILE…)");
    if (vm.count("metrics")) return Status::InvalidArgument("--metrics belongs to --issue parity-drift");
    for (const char* o : {"chain", "block", "from", "to", "since", "until", "time-budget"})
      if (vm.count(o)) return Status::InvalidArgument(fmt::format("--{} does not belong to --issue network-fork", o));
    p.kind = Parsed::Kind::kNetworkFork;
    NetworkForkCommand& c = p.network_fork;
    for (const std::string& spec : Opt<std::vector<std::string>>(vm, "node").value_or(std::vector<std::string>{})) {
      const size_t eq = spec.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
        return Status::InvalidArgument(fmt::format("--node {}: expected NAME=PATH", spec));
      const std::string name = spec.substr(0, eq);
      if (Status s = CheckNodeName(name); !s.ok())
        return Status::InvalidArgument(fmt::format("--node {}: {}", name, s.message()));
      c.options.nodes.push_back({name, spec.substr(eq + 1)});
    }
    c.options.log_files = LogFiles(vm);
    c.options.replay.profile = *profile;
    c.options.replay.genesis_path = Opt<std::string>(vm, "genesis");
    c.options.replay.verify_signatures = !vm.count("skip-signatures");
    FORENSICS_RETURN_IF_ERROR(Number<unsigned>(vm, "threads", 0, 1024, &c.options.replay.threads));
    FORENSICS_RETURN_IF_ERROR(Number(vm, "year", 1970, 9999, &c.options.replay.year));
    c.options.replay.option_names = FlagName;
    c.common = common;
    return p;
  }
  return Status::InvalidArgument(fmt::format("--issue {}: expected state-violation, parity-drift, network-fork or cid-quorum{}",
                                             issue, DidYouMean(issue, kIssues)));
}

Result<Parsed> ParseFingerprint(int argc, char** argv) {
  po::options_description d("fingerprint options");
  d.add_options()("help,h", "show this help")
      ("chain", po::value<std::string>(), "this node's chain store, export or coinjecture.db")
      ("out", po::value<std::string>(), "the fingerprint to write (zstd when it ends .zst)")
      ("name", po::value<std::string>(), "the node's name (default: this host's name)")
      ("profile", po::value<std::string>(), "hash profile: neta or core-v4 (default: the chain's own)")
      ("genesis", po::value<std::string>(), "coinjecture.db only: the genesis allocations (as for state-violation)")
      ("skip-signatures", "do not verify Ed25519 signatures (the fingerprint says so)")
      ("threads", po::value<std::string>(), "signature-verification threads, 0 to 1024 (0 or absent: all cores)")
      ("progress", "show progress on stderr even when it is not a terminal")
      ("hash-backend", po::value<std::string>(), "force a SHA-256 backend (see forensics hash-backends)");
  po::variables_map vm;
  FORENSICS_RETURN_IF_ERROR(Store(argc - 1, argv + 1, d, &vm));
  Parsed p{};
  p.hash_backend = Opt<std::string>(vm, "hash-backend");
  if (vm.count("help")) {
    p.kind = Parsed::Kind::kHelp;
    p.help_text = Help(d, "Usage: forensics fingerprint --chain PATH --out FILE [--name NODE]\n\nReplays this node's chain "
                          "and writes its fingerprint (coinjecture-fingerprint/1: per block its height, hash, claimed "
                          "state root and verdict; no balance, key or transaction) for --issue network-fork.\n"
                          "Example: forensics fingerprint --chain /var/lib/coinjecture/chaindb --out node-03.fp.zst\n");
    return p;
  }
  if (!vm.count("chain") || !vm.count("out")) return Status::InvalidArgument("fingerprint needs --chain PATH and --out FILE");
  auto profile = ParseProfileOption(vm);
  if (!profile) return profile.error();
  p.kind = Parsed::Kind::kFingerprint;
  FingerprintOptions& o = p.fingerprint.options;
  o.replay.chain_path = vm["chain"].as<std::string>();
  o.out_path = vm["out"].as<std::string>();
  if (vm.count("name")) {
    o.node = vm["name"].as<std::string>();
    if (Status s = CheckNodeName(o.node); !s.ok()) return Status::InvalidArgument(fmt::format("--name {}: {}", o.node, s.message()));
  }
  o.replay.profile = *profile;
  o.replay.genesis_path = Opt<std::string>(vm, "genesis");
  o.replay.verify_signatures = !vm.count("skip-signatures");
  FORENSICS_RETURN_IF_ERROR(Number<unsigned>(vm, "threads", 0, 1024, &o.replay.threads));
  o.replay.option_names = FlagName;
  p.fingerprint.progress = vm.count("progress") > 0;
  return p;
}

Result<Parsed> ParseImport(int argc, char** argv) {
  po::options_description d("import options");
  d.add_options()("help,h", "show this help")
      ("from", po::value<std::vector<std::string>>()->multitoken(),
       "NDJSON export(s), in height order, or the daemon's SQLite coinjecture.db")
      ("db", po::value<std::string>(), "RocksDB chain store directory (created if missing)")
      ("genesis", po::value<std::string>(),
       "coinjecture.db only: the genesis allocations the store does not record (an export or a JSON list)")
      ("progress", "show progress on stderr even when it is not a terminal");
  po::variables_map vm;
  FORENSICS_RETURN_IF_ERROR(Store(argc - 1, argv + 1, d, &vm));
  Parsed p{};
  if (vm.count("help")) {
    p.kind = Parsed::Kind::kHelp;
    p.help_text = Help(d, "Usage: forensics import --from EXPORT… --db DIR\n\nImports NDJSON exports into a RocksDB chain store; "
                          "re-running is safe.\nExample: forensics import --from part1.ndjson.zst part2.ndjson.zst --db chaindb\n");
    return p;
  }
  if (!vm.count("from") || !vm.count("db")) return Status::InvalidArgument("import needs --from EXPORT… and --db DIR");
  p.kind = Parsed::Kind::kImport;
  p.import.exports = vm["from"].as<std::vector<std::string>>();
  p.import.db_dir = vm["db"].as<std::string>();
  p.import.genesis_path = Opt<std::string>(vm, "genesis");
  p.import.progress = vm.count("progress") > 0;
  return p;
}

Result<Parsed> ParseGenerate(int argc, char** argv) {
  po::options_description d("generate options");
  d.add_options()("help,h", "show this help")
      ("out", po::value<std::string>(), "export to write (.ndjson, .ndjson.zst, .ndjson.gz)")
      ("blocks", po::value<std::string>()->default_value("200"),
       fmt::format("number of blocks (heights 0..N-1), 1 to {}", kMaxGenerateBlocks).c_str())
      ("accounts", po::value<std::string>()->default_value("20"),
       fmt::format("accounts funded at genesis, 1 to {}", kMaxGenerateAccounts).c_str())
      ("txs-per-block", po::value<std::string>()->default_value("5"),
       fmt::format("transactions per block, 0 to {} (fewer where the drawn senders lack funds; the summary "
                   "says how many)", kMaxTxsPerBlock).c_str())
      ("seed", po::value<std::string>()->default_value("1"), "random seed (same seed, same bytes)")
      ("fault", po::value<std::vector<std::string>>()->multitoken(), "inject KIND@HEIGHT (repeatable)")
      ("logs", po::value<std::string>(), "also write the producing node's daemon log")
      ("log", po::value<std::string>(), "the same as --logs")
      ("profile", po::value<std::string>()->default_value("neta"), "neta or core-v4")
      ("uncommitted-roots", "write 32 zero bytes as state roots, as upstream daemons do")
      ("no-state-changes", "leave out the per-block state_changes records")
      ("snapshot-every", po::value<std::string>()->default_value("0"), "write a full-state snapshot every N blocks (0: none)")
      ("new-account-share", po::value<std::string>()->default_value("0.2"), "share of transfers to fresh accounts, 0 to 1");
  po::variables_map vm;
  FORENSICS_RETURN_IF_ERROR(Store(argc - 1, argv + 1, d, &vm));
  Parsed p{};
  if (vm.count("help")) {
    std::string kinds;
    for (auto n : FaultNames()) kinds += (kinds.empty() ? "" : ", ") + std::string(n);
    p.kind = Parsed::Kind::kHelp;
    p.help_text = Help(d, ("Usage: forensics generate --out FILE [options]\n\nWrites a deterministic sample chain with "
                           "faults at chosen heights.\nFault kinds: " + kinds +
                           "\nExample: forensics generate --out bad.ndjson --blocks 300 --fault inflation@137\n").c_str());
    return p;
  }
  if (!vm.count("out")) return Status::InvalidArgument("generate needs --out FILE");
  if (vm.count("log") && vm.count("logs")) return Status::InvalidArgument("--log and --logs are one option: give it once");
  p.kind = Parsed::Kind::kGenerate;
  GenerateOptions& o = p.generate.options;
  o.out_path = vm["out"].as<std::string>();
  o.logs_path = vm.count("log") ? Opt<std::string>(vm, "log") : Opt<std::string>(vm, "logs");
  FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "blocks", 1, kMaxGenerateBlocks, &o.blocks));
  FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "accounts", 1, kMaxGenerateAccounts, &o.accounts));
  FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "txs-per-block", 0, kMaxTxsPerBlock, &o.txs_per_block));
  FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "seed", 0, kU64Max, &o.seed));
  FORENSICS_RETURN_IF_ERROR(Number<uint64_t>(vm, "snapshot-every", 0, kU64Max, &o.snapshot_every));
  FORENSICS_RETURN_IF_ERROR(Number(vm, "new-account-share", 0.0, 1.0, &o.new_account_share));
  auto profile = ParseProfile(vm["profile"].as<std::string>());
  if (!profile) return Status::InvalidArgument("--profile: expected neta or core-v4");
  o.profile = *profile;
  o.commit_state_roots = !vm.count("uncommitted-roots");
  o.record_state_changes = !vm.count("no-state-changes");
  for (const auto& f : Opt<std::vector<std::string>>(vm, "fault").value_or(std::vector<std::string>{})) {
    auto fault = ParseFault(f);
    if (!fault) return Status::InvalidArgument("--fault " + fault.error().message());
    o.faults.push_back(*fault);
  }
  return p;
}

// --issue cid-quorum (docs/cid.md): its own option set, so that the other issues' flags stay theirs.
bool IsCidQuorum(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--issue=cid-quorum" || (a == "--issue" && i + 1 < argc && std::string(argv[i + 1]) == "cid-quorum"))
      return true;
  }
  return false;
}

Result<Parsed> ParseCidQuorum(int argc, char** argv) {
  po::options_description d("cid-quorum options");
  d.add_options()
      ("help,h", "show this help")
      ("issue", po::value<std::string>(), "cid-quorum")
      ("logs", po::value<std::vector<std::string>>()->multitoken(),
       "daemon logs (plain, .zst, .gz, every journalctl rendering): pin events and every line with a cid field")
      ("log", po::value<std::vector<std::string>>()->multitoken(), "the same as --logs")
      ("manifests", po::value<std::vector<std::string>>()->multitoken(),
       "PinManifest JSON files, or directories of *.json")
      ("content", po::value<std::string>(), "directory of content files named by CID (Qm… or Qm….ext)")
      ("chain", po::value<std::string>(), "chain data: CIDs that are a block's pseudo-CID are recognised")
      ("metrics", po::value<std::string>(), "Prometheus metrics file (pin quorum counters)")
      ("quorum", po::value<std::string>(), "pin_quorum N/M, 1 <= N <= M (default: the logs' or manifests', else 2/3)")
      ("year", po::value<std::string>(), "year of journald short timestamps (they carry none), 1970 to 9999")
      ("out", po::value<std::string>(), "write report.md and report.json into this directory")
      ("metrics-out", po::value<std::string>(), "write the verdict as a Prometheus textfile (temporary name, renamed)")
      ("format", po::value<std::string>()->default_value("text"), "stdout format: text, json or markdown")
      ("progress", "show progress on stderr even when it is not a terminal")
      ("hash-backend", po::value<std::string>(), "force a SHA-256 backend (see forensics hash-backends)");
  po::variables_map vm;
  FORENSICS_RETURN_IF_ERROR(Store(argc, argv, d, &vm));
  Parsed p{};
  p.hash_backend = Opt<std::string>(vm, "hash-backend");
  if (vm.count("help")) {
    p.kind = Parsed::Kind::kHelp;
    p.help_text = Help(d, "Usage: forensics --issue cid-quorum --logs FILE… [--manifests DIR|FILE…] [--content DIR]\n"
                          "                 [--chain PATH] [--metrics FILE] [--quorum N/M] [--out DIR] [--format …]\n\n"
                          "Audits every CID of the logs, manifests and content directory against the pin quorum, and\n"
                          "works out the runbook's decisions (restarts, pin_quorum 1/2, re-pin commands) without running them.\n"
                          "Example: forensics --issue cid-quorum --logs node-*.log.zst --manifests manifests/ --content ipfs_data/ --out cid/\n"
                          "Exit status: 0 clean, 1 a CID below quorum, failed, invalid or mismatched, 2 usage error,\n"
                          "3 nothing readable, 4 inconclusive (some CID has no pin record).\n");
    return p;
  }
  auto format = ParseFormat(vm["format"].as<std::string>());
  if (!format) return format.error();
  p.kind = Parsed::Kind::kCidQuorum;
  CidQuorumCommand& c = p.cid_quorum;
  c.options.log_files = LogFiles(vm);
  c.options.manifest_paths = Opt<std::vector<std::string>>(vm, "manifests").value_or(std::vector<std::string>{});
  c.options.content_dir = Opt<std::string>(vm, "content");
  c.options.chain_path = Opt<std::string>(vm, "chain");
  c.options.metrics_path = Opt<std::string>(vm, "metrics");
  if (c.options.log_files.empty() && c.options.manifest_paths.empty() && !c.options.content_dir)
    return Status::InvalidArgument("--issue cid-quorum needs --logs FILE… (or --manifests, --content)");
  if (vm.count("quorum")) {
    auto q = ParsePinQuorum(vm["quorum"].as<std::string>());
    if (!q) return Status::InvalidArgument("--quorum " + q.error().message());
    c.options.quorum = *q;
    c.options.quorum_given = true;
  }
  FORENSICS_RETURN_IF_ERROR(Number(vm, "year", 1970, 9999, &c.options.year));
  std::vector<std::string> inputs = c.options.log_files;
  inputs.insert(inputs.end(), c.options.manifest_paths.begin(), c.options.manifest_paths.end());
  for (const auto& o : {c.options.chain_path, c.options.metrics_path})
    if (o) inputs.push_back(*o);
  if (std::count(inputs.begin(), inputs.end(), "-") > 1)
    return Status::InvalidArgument("\"-\" (standard input) is given as more than one input; it can be read once");
  c.common.out_dir = Opt<std::string>(vm, "out");
  c.common.metrics_out = Opt<std::string>(vm, "metrics-out");
  c.common.format = *format;
  c.common.progress = vm.count("progress") > 0;
  c.common.command_line = CommandLine(argc, argv);
  return p;
}

}  // namespace

Result<Parsed> ParseCommandLine(int argc, char** argv) {
  try {
    std::string first = argc > 1 ? argv[1] : "";
    if (first == "import") return ParseImport(argc, argv);
    if (first == "generate") return ParseGenerate(argc, argv);
    if (first == "fingerprint") return ParseFingerprint(argc, argv);
    if (first == "hash-backends") {
      Parsed p{};
      p.kind = Parsed::Kind::kHashBackends;
      if (argc > 2 && std::string(argv[2]) != "--help" && std::string(argv[2]) != "-h")
        return Status::InvalidArgument("hash-backends takes no arguments");
      if (argc > 2) {
        p.kind = Parsed::Kind::kHelp;
        p.help_text = "Usage: forensics hash-backends\n\nLists the SHA-256 backends compiled in, whether this CPU supports "
                      "them, and which is active.\nForce one with FORENSICS_SHA256_BACKEND=NAME or --hash-backend NAME.\n";
      }
      return p;
    }
    if (IsCidQuorum(argc, argv)) return ParseCidQuorum(argc, argv);
    return ParseIssue(argc, argv);
  } catch (const po::error& e) {
    return Status::InvalidArgument(e.what());
  }
}

}  // namespace forensics::cli
