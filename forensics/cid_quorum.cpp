// AnalyzeCidQuorum: the runbook's CID audit (docs/cid.md).
//
// 1. Logs, streamed: every line with a `cid` field names a CID; pin outcomes ("Content pinned with
//    quorum", a quorum error text in any line, "CID audit failed") and per-node attempts ("Pin
//    successful", "Pin failed"). A "Pin failed" line names no CID upstream: it is attributed to the
//    next pin outcome of the same file that names one (PinWithQuorum logs each node's result, then
//    the outcome).
// 2. PinManifest files: cid, pinned_nodes, quorum, content_hash.
// 3. The content directory: each file named by a CID, digested once (UnixFS CID and raw SHA-256).
// 4. The chain: each block's pseudo-CID, so a CID made by cid_generator.py is recognised.
// 5. The metrics: the pin quorum counters.
// 6. Per CID a status, per IPFS node its record, then the runbook's decisions.
#include "forensics/cid_quorum.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "forensics/chain_source.h"
#include "forensics/cid.h"
#include "forensics/input_spool.h"
#include "forensics/line_reader.h"
#include "forensics/log_events.h"
#include "forensics/parity_log.h"

namespace forensics {
namespace {

constexpr size_t kMaxSeenIn = 5;
constexpr size_t kMaxFailuresPerCid = 50;

bool Contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

// "a/b" → (a, b).
std::optional<std::pair<uint64_t, uint64_t>> Fraction(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  uint64_t a = 0, b = 0;
  auto r1 = std::from_chars(text.data(), text.data() + slash, a);
  auto r2 = std::from_chars(text.data() + slash + 1, text.data() + text.size(), b);
  if (r1.ec != std::errc() || r1.ptr != text.data() + slash || r2.ec != std::errc() ||
      r2.ptr != text.data() + text.size())
    return std::nullopt;
  return std::pair{a, b};
}

// The host of an IPFS node as logged: "ipfs-2", "ipfs-2:5001", "http://ipfs-2:5001",
// "/dns/ipfs-2/tcp/5001/http", "/ip4/10.0.0.2/tcp/5001".
std::string HostOf(std::string_view node) {
  std::string_view s = node;
  if (s.size() > 1 && s[0] == '/') {
    s.remove_prefix(1);
    const size_t a = s.find('/');
    if (a == std::string_view::npos) return std::string(node);
    s.remove_prefix(a + 1);
    return std::string(s.substr(0, s.find('/')));
  }
  if (size_t p = s.find("://"); p != std::string_view::npos) s.remove_prefix(p + 3);
  s = s.substr(0, s.find('/'));
  if (!s.empty() && s[0] == '[') return std::string(s.substr(1, s.find(']') - 1));  // [v6]:port
  if (std::count(s.begin(), s.end(), ':') == 1) s = s.substr(0, s.find(':'));
  return std::string(s);
}

class Audit {
 public:
  explicit Audit(const CidQuorumOptions& options) : options_(options) {}

  CidEntry& Entry(std::string_view cid, const std::string& where) {
    auto [it, inserted] = cids_.try_emplace(std::string(cid));
    CidEntry& e = it->second;
    if (inserted) e.cid = std::string(cid);
    ++e.mentions;
    if (e.seen_in.size() < kMaxSeenIn && std::find(e.seen_in.begin(), e.seen_in.end(), where) == e.seen_in.end())
      e.seen_in.push_back(where);
    return e;
  }
  IpfsNodeStats& Node(std::string_view name) {
    auto [it, inserted] = nodes_.try_emplace(std::string(name));
    if (inserted) {
      it->second.node = std::string(name);
      it->second.host = HostOf(name);
    }
    return it->second;
  }
  void AddFailure(CidEntry& e, CidFailure f) {
    if (e.failures.size() < kMaxFailuresPerCid) e.failures.push_back(std::move(f));
  }
  void Warn(std::string w) { report_.warnings.push_back(std::move(w)); }
  void QuorumSeen(std::string_view text, const std::string& where) {
    if (quorum_from_inputs_ || options_.quorum_given) return;
    auto q = ParsePinQuorum(text);
    if (!q) {
      Warn(fmt::format("{}: quorum: {}", where, q.error().message()));
      return;
    }
    quorum_from_inputs_ = *q;
    quorum_where_ = "as in " + where;
  }

  const CidQuorumOptions& options_;
  CidQuorumReport report_;
  std::map<std::string, CidEntry> cids_;
  std::map<std::string, IpfsNodeStats> nodes_;
  std::optional<PinQuorum> quorum_from_inputs_;
  std::string quorum_where_;
  uint64_t nodes_named_by_errors_ = 0;  // the n of "got a/n"
};

class PinEventSink : public LogEventSink {
 public:
  PinEventSink(Audit* audit, size_t files) : a_(audit), pending_(files) {}

  bool OnEvent(const LogEvent& ev, int64_t order_time_us) override {
    ++a_->report_.log_events;
    const int64_t t = ev.has_time() ? ev.time_us : order_time_us;
    const std::string where = fmt::format("{}:{}", ev.file, ev.line);
    const auto cid = ev.Field("cid");
    const auto node = ev.Field("node");
    const std::string error(ev.Field("error").value_or(""));
    const std::string_view text = error.empty() ? ev.msg : std::string_view(error);
    const bool quorum_error = ev.kind == EventKind::kPinQuorumFailed || Contains(text, "pin quorum not met") ||
                              Contains(text, "Pin quorum not met") || Contains(text, "PinQuorumFailed");
    const bool verify_error = Contains(text, "CID verification quorum not met");
    std::vector<CidFailure>& pending = pending_[ev.file_index];

    if (ev.msg == "Pin failed" || ev.kind == EventKind::kPinFailed) {
      CidFailure f{std::string(node.value_or("")), error.empty() ? std::string(ev.msg) : error, where, t};
      if (node) {
        IpfsNodeStats& n = a_->Node(*node);
        ++n.attempts;
        ++n.failures;
        if (n.first_failure_us == kCidNoTime || (t != kCidNoTime && t < n.first_failure_us)) n.first_failure_us = t;
        if (n.last_failure_us == kCidNoTime || t >= n.last_failure_us) {
          n.last_failure_us = t;
          n.last_error = f.error;
        }
        if (n.last_attempt_us == kCidNoTime || t >= n.last_attempt_us) {
          n.last_attempt_us = t;
          n.last_attempt_failed = true;
        }
      }
      if (cid) {
        a_->AddFailure(a_->Entry(*cid, where), f);
      } else if (!quorum_error) {
        pending.push_back(std::move(f));
      }
    } else if (ev.msg == "Pin successful") {
      if (node) {
        IpfsNodeStats& n = a_->Node(*node);
        ++n.attempts;
        if (n.last_attempt_us == kCidNoTime || t >= n.last_attempt_us) {
          n.last_attempt_us = t;
          n.last_attempt_failed = false;
        }
      }
      if (cid && node) {
        CidEntry& e = a_->Entry(*cid, where);
        e.pin_evidence = true;
        if (std::find(e.pinned_nodes.begin(), e.pinned_nodes.end(), *node) == e.pinned_nodes.end())
          e.pinned_nodes.emplace_back(*node);
      }
    }

    if (quorum_error || verify_error) {
      if (quorum_error) ++a_->report_.pins_failed_logged;
      uint64_t got = 0;
      if (auto g = ev.Field("pins_got"); g) {
        if (auto fr = Fraction(*g)) {
          got = fr->first;
          a_->nodes_named_by_errors_ = std::max(a_->nodes_named_by_errors_, fr->second);
        }
      }
      if (auto r = ev.Field("pins_required"); r) a_->QuorumSeen(*r, where);
      if (cid) {
        CidEntry& e = a_->Entry(*cid, where);
        e.quorum_failed_logged = true;
        if (quorum_error) {
          e.pin_evidence = true;
          e.reported_pins = std::max(e.reported_pins, got);
        }
        if (e.last_quorum_failure_us == kCidNoTime || t >= e.last_quorum_failure_us) e.last_quorum_failure_us = t;
        a_->AddFailure(e, CidFailure{"", std::string(text), where, t});
        for (CidFailure& f : pending) a_->AddFailure(e, std::move(f));
      }
      pending.clear();
    } else if (ev.kind == EventKind::kPinQuorum || ev.msg == "Content pinned with quorum") {
      ++a_->report_.pins_ok_logged;
      if (auto q = ev.Field("quorum"); q) a_->QuorumSeen(*q, where);
      if (cid) {
        CidEntry& e = a_->Entry(*cid, where);
        e.quorum_met_logged = true;
        e.pin_evidence = true;
        uint64_t pins = 0;
        if (auto sp = ev.Field("successful_pins"); sp) (void)std::from_chars(sp->data(), sp->data() + sp->size(), pins);
        e.reported_pins = std::max(e.reported_pins, pins);
        if (e.last_quorum_success_us == kCidNoTime || t >= e.last_quorum_success_us) e.last_quorum_success_us = t;
        for (CidFailure& f : pending) a_->AddFailure(e, std::move(f));
      }
      pending.clear();
    } else if (ev.kind == EventKind::kCidAuditFailed || ev.msg == "CID audit failed") {
      if (cid) {
        CidEntry& e = a_->Entry(*cid, where);
        e.quorum_failed_logged = true;
        if (e.last_quorum_failure_us == kCidNoTime || t >= e.last_quorum_failure_us) e.last_quorum_failure_us = t;
        a_->AddFailure(e, CidFailure{"", error.empty() ? std::string(ev.msg) : error, where, t});
      }
    } else if (cid) {
      a_->Entry(*cid, where);  // any other line naming a CID ("CID received from network", …)
    }
    return true;
  }

 private:
  Audit* a_;
  std::vector<std::vector<CidFailure>> pending_;  // per file: Pin failed lines waiting for their outcome
};

void ReadLogs(Audit& a) {
  // Files that cannot be opened are named and left out, so that one bad path does not lose the rest.
  std::vector<std::string> files;
  for (const std::string& f : a.options_.log_files) {
    auto reader = LineReader::Open(f, LineReaderOptions{});
    if (!reader) {
      a.Warn(fmt::format("log {}: cannot be read: {}", f, reader.error().message()));
      continue;
    }
    files.push_back(f);
  }
  if (files.empty()) return;
  LogScanOptions o;
  o.year = a.options_.year;
  o.keep_unclassified = true;
  if (a.options_.stop_requested) o.stop = StopCondition(0, a.options_.stop_requested);
  PinEventSink sink(&a, files.size());
  LogScanResult r;
  if (Status s = StreamLogs(files, o, &sink, &r); !s.ok()) {
    a.Warn(fmt::format("logs: {}", s.message()));
    return;
  }
  for (const std::string& f : files)
    if (auto d = DescribeInput(f)) a.report_.inputs.push_back(*d);
  for (const std::string& w : r.warnings) a.Warn("logs: " + w);
  for (const LogParseProblem& p : r.problems)
    a.Warn(fmt::format("log {}:{} (byte {}): {}", p.file, p.line, p.offset, p.what));
  for (const ReadIssue& i : r.read_issues)
    a.Warn(fmt::format("log {}:{} (byte {}): {}", i.file, i.line, i.offset, i.what));
  for (const LogFileStats& st : r.files) {
    if (st.nothing_recognised)
      a.Warn(fmt::format("log {}: no line is in a known log format (first line: {})", st.file, st.first_line));
  }
  if (r.stopped) a.report_.partial = true;
}

// One manifest object at `at` ("file" or "file[3]").
void ReadManifest(Audit& a, simdjson::dom::element m, const std::string& at) {
  simdjson::dom::object obj;
  if (m.get_object().get(obj) != simdjson::SUCCESS) {
    a.Warn(fmt::format("manifest {}: not a JSON object", at));
    return;
  }
  std::string_view cid;
  if (obj["cid"].get_string().get(cid) != simdjson::SUCCESS) {
    a.Warn(fmt::format("manifest {}: field cid: {}", at,
                       obj["cid"].error() == simdjson::NO_SUCH_FIELD ? "missing" : "not a string"));
    return;
  }
  ++a.report_.manifests_read;
  CidEntry& e = a.Entry(cid, "manifest " + at);
  simdjson::dom::array nodes;
  auto pn = obj["pinned_nodes"];
  if (pn.get_array().get(nodes) == simdjson::SUCCESS) {
    e.pin_evidence = true;
    size_t i = 0;
    for (simdjson::dom::element n : nodes) {
      std::string_view name;
      if (n.get_string().get(name) != simdjson::SUCCESS) {
        a.Warn(fmt::format("manifest {}: field pinned_nodes[{}]: not a string", at, i));
      } else {
        a.Node(name);
        if (std::find(e.pinned_nodes.begin(), e.pinned_nodes.end(), name) == e.pinned_nodes.end())
          e.pinned_nodes.emplace_back(name);
      }
      ++i;
    }
  } else {
    a.Warn(fmt::format("manifest {}: field pinned_nodes: {}", at,
                       pn.error() == simdjson::NO_SUCH_FIELD ? "missing" : "not an array"));
  }
  std::string_view q;
  if (obj["quorum"].get_string().get(q) == simdjson::SUCCESS) {
    auto pq = ParsePinQuorum(q);
    if (!pq)
      a.Warn(fmt::format("manifest {}: field quorum: {}", at, pq.error().message()));
    else
      a.QuorumSeen(q, "manifest " + at);
  }
  std::string_view h;
  if (obj["content_hash"].get_string().get(h) == simdjson::SUCCESS) {
    e.manifest_content_hash = std::string(h);
  } else if (obj["content_hash"].error() != simdjson::NO_SUCH_FIELD) {
    a.Warn(fmt::format("manifest {}: field content_hash: not a string", at));
  }
}

void ReadManifestFile(Audit& a, const std::string& path) {
  auto readable = ReadablePath(path);
  if (!readable) {
    a.Warn(fmt::format("manifest {}: cannot be read: {}", path, readable.error().message()));
    return;
  }
  std::ifstream in(*readable, std::ios::binary);
  if (!in) {
    a.Warn(fmt::format("manifest {}: cannot be read", path));
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (auto d = DescribeInput(path)) a.report_.inputs.push_back(*d);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(text).get(doc); err != simdjson::SUCCESS) {
    // simdjson says what, not where: the line of the first byte that cannot start JSON, when that is it.
    size_t line = 1;
    for (size_t i = 0; i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r');
         ++i)
      line += text[i] == '\n';
    a.Warn(
        fmt::format("manifest {}: not JSON ({}; content starts on line {})", path, simdjson::error_message(err), line));
    return;
  }
  simdjson::dom::array arr;
  if (doc.get_array().get(arr) == simdjson::SUCCESS) {
    size_t i = 0;
    for (simdjson::dom::element m : arr) ReadManifest(a, m, fmt::format("{}[{}]", path, i++));
  } else {
    ReadManifest(a, doc, path);
  }
}

void ReadManifests(Audit& a) {
  for (const std::string& p : a.options_.manifest_paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& de : std::filesystem::directory_iterator(p, ec)) {
        if (de.path().extension() == ".json") files.push_back(de.path().string());
      }
      if (ec) a.Warn(fmt::format("manifests {}: cannot be listed: {}", p, ec.message()));
      std::sort(files.begin(), files.end());
      if (files.empty()) a.Warn(fmt::format("manifests {}: no *.json file in it", p));
      for (const std::string& f : files) ReadManifestFile(a, f);
    } else {
      ReadManifestFile(a, p);
    }
  }
}

void CheckContent(Audit& a, CidEntry& e, const std::string& path) {
  auto d = cid::DigestContentFile(path);
  if (!d) {
    e.content_error = d.error().message();
    a.Warn(fmt::format("content {}", d.error().message()));
    return;
  }
  ++a.report_.content_files_checked;
  e.content_bytes = d->size;
  // The reproducibility stamp lists the content files too, from the digest just taken.
  a.report_.inputs.push_back(InputFile{path, d->sha256.Hex(), d->size, true});
  auto digest = cid::ParseCidV0(e.cid);
  if (digest) {
    if (*digest == d->unixfs)
      e.content_match = "unixfs";
    else if (*digest == d->sha256)
      e.content_match = "raw-sha256";
    else
      e.content_match = "none";
  }
  if (e.manifest_content_hash) {
    std::string h = *e.manifest_content_hash;
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (h.rfind("0x", 0) == 0) h = h.substr(2);
    e.content_hash_matches = h == d->sha256.Hex();
  }
}

// Files named by CID ("Qm…" or "Qm….ext": the CID is the name up to its first dot), in this
// directory or any below it (ipfs_data/raw_json/, ipfs_data/processed_json/). Entries whose name does
// not start with "Qm" are not content: directories among them are searched, files skipped and counted.
void ReadContent(Audit& a) {
  if (!a.options_.content_dir) return;
  const std::string& dir = *a.options_.content_dir;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    a.Warn(fmt::format("content {}: not a directory", dir));
    return;
  }
  std::vector<std::string> paths, skipped;
  std::vector<std::string> pending = {dir};
  while (!pending.empty()) {
    const std::string d = pending.back();
    pending.pop_back();
    std::vector<std::filesystem::directory_entry> entries;
    for (const auto& de : std::filesystem::directory_iterator(d, ec)) entries.push_back(de);
    if (ec) a.Warn(fmt::format("content {}: cannot be listed: {}", d, ec.message()));
    for (const auto& de : entries) {
      const std::string name = de.path().filename().string();
      std::error_code dec;
      if (name.rfind("Qm", 0) == 0)
        paths.push_back(de.path().string());
      else if (de.is_directory(dec))
        pending.push_back(de.path().string());
      else
        skipped.push_back(de.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  std::sort(skipped.begin(), skipped.end());
  if (!skipped.empty())
    a.Warn(fmt::format("content {}: {} file(s) not named by a CID skipped (the first: {})", dir, skipped.size(),
                       skipped.front()));
  std::set<std::string> has_file;
  for (const std::string& path : paths) {
    const std::string n = std::filesystem::path(path).filename().string();
    const std::string c = n.substr(0, n.find('.'));
    if (!has_file.insert(c).second) {
      a.Warn(fmt::format("content {}: a second file for {}; only the first is checked", path, c));
      continue;
    }
    CidEntry& e = a.Entry(c, "content " + path);
    CheckContent(a, e, path);
  }
}

void ReadChain(Audit& a, std::map<Hash32, uint64_t>* pseudo) {
  if (!a.options_.chain_path) return;
  auto src = OpenChain(*a.options_.chain_path);
  if (!src) {
    a.Warn(fmt::format("chain {}: cannot be read: {}", *a.options_.chain_path, src.error().message()));
    return;
  }
  if (auto d = DescribeInput(*a.options_.chain_path)) a.report_.inputs.push_back(*d);
  ChainRecord rec;
  for (;;) {
    auto more = (*src)->Next(&rec);
    if (!more) {
      a.Warn(fmt::format("chain {}: {}", *a.options_.chain_path, more.error().message()));
      break;
    }
    if (!*more) break;
    const Block* b = std::get_if<Block>(&rec);
    if (b == nullptr || !b->header.hash || !b->header.timestamp) continue;
    ++a.report_.chain_blocks;
    const std::string hash = b->header.hash->Hex();
    const int64_t ts = *b->header.timestamp;
    // Python writes an int timestamp as digits and a float one as its repr ("1763820000.0").
    for (const std::string& t : {std::to_string(ts), cid::PythonFloatRepr(static_cast<double>(ts))}) {
      auto d = cid::ParseCidV0(cid::PseudoCid(b->header.height, hash, t));
      if (d) pseudo->emplace(*d, b->header.height);
    }
  }
}

void ReadMetrics(Audit& a) {
  if (!a.options_.metrics_path) return;
  const std::string& path = *a.options_.metrics_path;
  auto readable = ReadablePath(path);
  std::ifstream in;
  if (readable) in.open(*readable, std::ios::binary);
  if (!readable || !in) {
    a.Warn(fmt::format("metrics {}: cannot be read{}", path, readable ? "" : ": " + readable.error().message()));
    return;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (auto d = DescribeInput(path)) a.report_.inputs.push_back(*d);
  PromParseResult pr = ParsePrometheusText(ss.str());
  for (const ParityProblem& p : pr.problems) a.Warn(fmt::format("metrics {}:{}: {}", path, p.line, p.what));
  for (const PromSample& s : pr.samples) {
    if (s.name == "coinjecture_pin_quorum_success_total")
      a.report_.metrics_success_total = a.report_.metrics_success_total.value_or(0) + s.value;
    if (s.name == "coinjecture_pin_quorum_failures_total")
      a.report_.metrics_failures_total = a.report_.metrics_failures_total.value_or(0) + s.value;
  }
}

void Decide(CidEntry& e, const PinQuorum& q, const std::map<Hash32, uint64_t>& pseudo) {
  std::sort(e.pinned_nodes.begin(), e.pinned_nodes.end());
  auto digest = cid::ParseCidV0(e.cid);
  if (!digest) {
    e.syntax_error = digest.error().message();
    e.status = CidStatus::kInvalidCid;
    e.why = "not a CIDv0: " + *e.syntax_error;
    return;
  }
  if (auto it = pseudo.find(*digest); it != pseudo.end()) {
    e.pseudo_block = it->second;
    // Bytes cannot give a pseudo-CID: a content file that does not match is no mismatch then.
    if (e.content_match == "none") e.content_match = "pseudo-cid";
  }
  if (e.content_match == "none") {
    e.status = CidStatus::kContentMismatch;
    e.why =
        "the content file's bytes give neither the ipfs add CID nor a raw SHA-256 CID (re-serialised after "
        "pinning? only the original bytes can be checked)";
    return;
  }
  if (e.content_hash_matches && !*e.content_hash_matches) {
    e.status = CidStatus::kContentMismatch;
    e.why = "the manifest's content_hash is not the SHA-256 of the content file";
    return;
  }
  const bool failed = e.quorum_failed_logged &&
                      !(e.quorum_met_logged && e.last_quorum_success_us != kCidNoTime &&
                        e.last_quorum_failure_us != kCidNoTime && e.last_quorum_success_us > e.last_quorum_failure_us);
  if (failed) {
    e.status = CidStatus::kFailed;
    e.why =
        fmt::format("the daemon logged its pin or audit as failed ({} pin(s) known, quorum {})", e.pins(), q.Text());
    return;
  }
  if (e.pin_evidence && e.pins() < q.required) {
    e.status = CidStatus::kBelowQuorum;
    e.why = fmt::format("{} IPFS node(s) hold it, the quorum {} needs {}", e.pins(), q.Text(), q.required);
    return;
  }
  if (e.pseudo_block) {
    e.status = CidStatus::kPseudoCid;
    e.why = fmt::format("the pseudo-CID of block {} (SHA-256 of index_hash_timestamp): it addresses no content",
                        *e.pseudo_block);
    return;
  }
  if (!e.pin_evidence) {
    e.status = CidStatus::kUnverified;
    e.why = "no pin record names it (no Pin successful line, quorum line or manifest)";
    return;
  }
  if (e.content_match.empty()) {
    e.status = CidStatus::kUnverified;
    e.why = e.content_error ? "its content file could not be read: " + *e.content_error
                            : fmt::format("quorum met ({} of {} needed), no bytes to check", e.pins(), q.required);
    return;
  }
  e.status = CidStatus::kOk;
  e.why =
      fmt::format("quorum met ({} of {} needed), the bytes give it{}", e.pins(), q.required,
                  e.content_match == "raw-sha256" ? " as a raw SHA-256 (not as ipfs add would)" : " as ipfs add does");
}

// Letters, digits, '.', '-', '_' and ':' (IPv6): what may go into a printed command unquoted.
bool IsHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == ':';
  });
}

void WorkOutActions(CidQuorumReport& r) {
  std::vector<const IpfsNodeStats*> down;
  for (const IpfsNodeStats& n : r.nodes)
    if (n.last_attempt_failed) down.push_back(&n);
  for (const IpfsNodeStats* n : down) {
    CidAction a;
    a.kind = "restart";
    a.node = n->node;
    a.text = fmt::format("restart IPFS node {}: its last pin attempt failed ({} of {} attempts failed; last error: {})",
                         n->node, n->failures, n->attempts, n->last_error);
    r.actions.push_back(std::move(a));
  }
  const uint64_t up = r.ipfs_node_count >= down.size() ? r.ipfs_node_count - down.size() : 0;
  r.lower_quorum_is_runbook_case = r.ipfs_node_count == 3 && down.size() == 1;
  {
    CidAction a;
    a.kind = "lower-quorum";
    if (r.lower_quorum_is_runbook_case) {
      a.text = up >= r.quorum.required
                   ? fmt::format(
                         "the runbook's case (one IPFS node of three down) holds, but with {} nodes up the quorum "
                         "{} (at least {} pins) is still reachable: lowering pin_quorum to 1/2 is not needed "
                         "and would only cut redundancy",
                         up, r.quorum.Text(), r.quorum.required)
                   : fmt::format(
                         "the runbook's case (one IPFS node of three down) holds and {} node(s) up cannot meet {}: "
                         "lower pin_quorum to 1/2 until the node is back, then restore {}",
                         up, r.quorum.Text(), r.quorum.Text());
    } else {
      a.text = fmt::format(
          "not the runbook's case for lowering pin_quorum to 1/2 ({} IPFS node(s) known, {} down; the "
          "runbook means exactly one of three): keep {}",
          r.ipfs_node_count, down.size(), r.quorum.Text());
    }
    r.actions.push_back(std::move(a));
  }
  for (const CidEntry& e : r.cids) {
    if (e.status != CidStatus::kBelowQuorum && e.status != CidStatus::kFailed) continue;
    bool any = false;
    for (const IpfsNodeStats& n : r.nodes) {
      if (std::find(e.pinned_nodes.begin(), e.pinned_nodes.end(), n.node) != e.pinned_nodes.end()) continue;
      if (!IsHostName(n.host)) {
        CidAction a;
        a.kind = "note";
        a.node = n.node;
        a.cid = e.cid;
        a.text = fmt::format("re-pin {} on IPFS node {} by hand: its name gives no host name for --api", e.cid, n.node);
        r.actions.push_back(std::move(a));
        any = true;
        continue;
      }
      CidAction a;
      a.kind = "re-pin";
      a.node = n.node;
      a.cid = e.cid;
      a.command = fmt::format("ipfs --api /dns/{}/tcp/5001/http pin add {}", n.host, e.cid);
      a.text = fmt::format("re-pin {} on {} (from backup if the node lost it)", e.cid, n.node);
      r.actions.push_back(std::move(a));
      any = true;
    }
    if (!any) {
      CidAction a;
      a.kind = "note";
      a.cid = e.cid;
      a.text = fmt::format(
          "{} is below quorum but no IPFS node lacking it is known: re-pin it from backup on each node", e.cid);
      r.actions.push_back(std::move(a));
    }
  }
  CidAction note;
  note.kind = "note";
  note.text =
      "audit_cids.sh --repair does not exist upstream: the re-pin commands above are the repair; nothing was run";
  r.actions.push_back(std::move(note));
}

}  // namespace

std::string PinQuorum::Text() const { return fmt::format("{}/{}", required, total); }

Result<PinQuorum> ParsePinQuorum(std::string_view text) {
  auto fr = Fraction(text);
  if (!fr) return Status::InvalidArgument(fmt::format("'{}': expected N/M, two whole numbers", text));
  if (fr->first < 1) return Status::InvalidArgument(fmt::format("'{}': N must be at least 1", text));
  if (fr->first > fr->second) return Status::InvalidArgument(fmt::format("'{}': N must not exceed M", text));
  if (fr->second > 1000000) return Status::InvalidArgument(fmt::format("'{}': M above 1000000", text));
  return PinQuorum{static_cast<uint32_t>(fr->first), static_cast<uint32_t>(fr->second)};
}

std::string_view CidStatusName(CidStatus s) {
  switch (s) {
    case CidStatus::kOk:
      return "ok";
    case CidStatus::kBelowQuorum:
      return "below-quorum";
    case CidStatus::kFailed:
      return "failed";
    case CidStatus::kInvalidCid:
      return "invalid-cid";
    case CidStatus::kContentMismatch:
      return "content-mismatch";
    case CidStatus::kUnverified:
      return "unverified";
    case CidStatus::kPseudoCid:
      return "pseudo-cid";
  }
  return "unverified";
}

bool CidStatusIsViolation(CidStatus s) {
  return s == CidStatus::kBelowQuorum || s == CidStatus::kFailed || s == CidStatus::kInvalidCid ||
         s == CidStatus::kContentMismatch;
}

uint64_t CidEntry::pins() const { return std::max<uint64_t>(pinned_nodes.size(), reported_pins); }

Result<CidQuorumReport> AnalyzeCidQuorum(const CidQuorumOptions& options) {
  Audit a(options);
  ReadLogs(a);
  ReadManifests(a);
  std::map<Hash32, uint64_t> pseudo;
  ReadChain(a, &pseudo);
  ReadContent(a);
  ReadMetrics(a);
  CidQuorumReport& r = a.report_;
  if (r.inputs.empty()) {
    std::string why = r.warnings.empty() ? "no input was given" : r.warnings.front();
    return Status::IoError("nothing could be read: " + why);
  }
  // Content files for CIDs seen elsewhere but not in the directory: nothing to do (unverified).
  r.quorum = options.quorum_given ? options.quorum : a.quorum_from_inputs_.value_or(options.quorum);
  r.quorum_source = options.quorum_given    ? "--quorum"
                    : a.quorum_from_inputs_ ? a.quorum_where_
                                            : "upstream default";
  for (auto& [key, e] : a.cids_) {
    Decide(e, r.quorum, pseudo);
    r.cids.push_back(std::move(e));
  }
  for (auto& [key, n] : a.nodes_) r.nodes.push_back(std::move(n));
  r.ipfs_node_count = std::max<uint64_t>(r.nodes.size(), a.nodes_named_by_errors_);
  for (const CidEntry& e : r.cids) {
    if (e.syntax_error && !e.seen_in.empty())
      r.warnings.push_back(fmt::format("{}: invalid CID: {}", e.seen_in.front(), *e.syntax_error));
  }

  if (r.metrics_success_total || r.metrics_failures_total) {
    const double s = r.metrics_success_total.value_or(0), f = r.metrics_failures_total.value_or(0);
    if (s + f > 0) {
      r.failure_rate = f / (s + f);
      r.failure_rate_source = "metrics";
    }
  }
  if (!r.failure_rate && r.pins_ok_logged + r.pins_failed_logged > 0) {
    r.failure_rate =
        static_cast<double>(r.pins_failed_logged) / static_cast<double>(r.pins_ok_logged + r.pins_failed_logged);
    r.failure_rate_source = "logs";
  }
  if (r.failure_rate) {
    r.alert_fires = *r.failure_rate > 0.05;
    r.soak_passes = 1 - *r.failure_rate > 0.99;
  }
  WorkOutActions(r);

  bool violation = false, all_pins_known = !r.cids.empty();
  for (const CidEntry& e : r.cids) {
    violation = violation || CidStatusIsViolation(e.status);
    all_pins_known = all_pins_known && (e.pin_evidence || e.status == CidStatus::kPseudoCid);
  }
  r.verdict = violation ? Verdict::kViolation : all_pins_known && !r.partial ? Verdict::kClean : Verdict::kInconclusive;
  return std::move(r);
}

}  // namespace forensics
