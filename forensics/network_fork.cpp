// --issue network-fork (network_fork.h, docs/fleet.md).
//
// 1. Each --node is a fingerprint (read, its checksum checked) or chain data (read once for its
//    block hashes); both are read on every core, a few nodes ahead, and merged into the branch tree
//    in the order given, so the tree and the report do not depend on timing.
// 2. Chain data is replayed once per branch: a node whose chain is contained in one already chosen
//    for a replay is not replayed; the replay's verdicts join the tree.
// 3. Nodes known from logs only are placed by the hashes "Applying block to state" and the block
//    messages print.
// 4. The network is the first branch tree most nodes share; a node of another (different block 0,
//    or nothing shared) is named and left out. Then: each branch's validity, upstream's fork choice
//    (longest, then the lower hash), the chosen branch (the same rule among valid branches), the
//    common ancestor of every node's chain, the network target below it, and each node's action.
#include "forensics/network_fork.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "branch_tree.h"
#include "forensics/chain_source.h"
#include "forensics/codec.h"
#include "forensics/log_events.h"
#include "forensics/node_store.h"

namespace forensics {
namespace {

using Position = BranchTree::Position;

// One node's chain as read, before it joins the tree.
struct NodeRead {
  std::vector<BranchTree::Block> blocks;
  std::map<size_t, std::vector<FindingCode>> codes;  // by index in blocks: a violation's codes
  bool judged = false;  // a fingerprint: blocks carry its replay's verdicts
  std::optional<FingerprintEnd> end;
  std::optional<Status> error;
  std::optional<InputFile> input;
};

NodeRead ReadFingerprintFile(const std::string& path) {
  NodeRead r;
  r.judged = true;
  auto reader = FingerprintReader::Open(path, /*decode_roots=*/false);
  if (!reader) {
    r.error = reader.error();
    return r;
  }
  // Some 76 bytes a block in a .zst, 180 in plain text: room for that many blocks.
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec) r.blocks.reserve(static_cast<size_t>(size / (path.ends_with(".zst") ? 70 : 170)) + 16);
  FingerprintBlock b;
  while (true) {
    auto more = (*reader)->Next(&b);
    if (!more) {
      r.error = more.error();
      r.blocks.clear();
      return r;
    }
    if (!*more) break;
    if (!b.codes.empty()) r.codes[r.blocks.size()] = b.codes;
    r.blocks.push_back(BranchTree::Of(b));
  }
  r.end = (*reader)->end();
  // What identifies it in the report: the checksum its end line carries, checked just now.
  r.input = InputFile{path, r.end->sha256, (*reader)->decoded_bytes(), true};
  return r;
}

NodeRead ScanChainHashes(const std::string& path, const StateViolationOptions& replay) {
  NodeRead r;
  ChainOpenOptions open;
  open.profile = replay.profile;
  if (replay.genesis_path && IsSqliteFile(path)) {
    auto g = LoadGenesisFile(*replay.genesis_path);
    if (!g) {
      r.error = g.error();
      return r;
    }
    open.genesis = std::move(*g);
  }
  auto src = OpenChain(path, open);
  if (!src) {
    r.error = src.error();
    return r;
  }
  const Profile profile = (*src)->meta().profile;
  ChainRecord rec;
  while (true) {
    auto more = (*src)->Next(&rec);
    if (!more) {
      r.error = more.error();
      return r;
    }
    if (!*more) break;
    const Block* block = std::get_if<Block>(&rec);
    if (!block) continue;
    const BlockHeader& h = block->header;
    if (!r.blocks.empty() && h.height <= r.blocks.back().height) {
      r.error = Status::Corruption(fmt::format("{}: block {} follows block {} (heights must increase)", path, h.height,
                                               r.blocks.back().height));
      return r;
    }
    BranchTree::Block b;
    b.height = h.height;
    b.hash = h.hash ? *h.hash : ComputeBlockHash(profile, h).value_or(Hash32{});
    r.blocks.push_back(b);
  }
  return r;
}

// The blocks a node's log names: height → the hash prefix it printed last for that height.
class LogPlacements final : public LogEventSink {
 public:
  bool OnEvent(const LogEvent& e, int64_t) override {
    if (e.kind != EventKind::kBlockApplying && e.kind != EventKind::kBlockApplied && e.kind != EventKind::kBlockProduced)
      return true;
    if (!e.block_height || e.block_hash_prefix.empty()) return true;
    if (e.block_hash_prefix.find_first_not_of("0123456789abcdef") != std::string_view::npos) return true;
    auto& node = nodes_[std::string(e.node)];
    node.files.insert(std::string(e.file));
    node.blocks[*e.block_height] = std::string(e.block_hash_prefix);
    return true;
  }
  struct Node {
    std::set<std::string> files;
    std::map<BlockHeight, std::string> blocks;
  };
  std::map<std::string, Node> nodes_;
};

std::string SafeName(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64))
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ? c : '_';
  return out.empty() ? "unnamed" : out;
}

// The tip of a branch: its highest block a node gave.
BlockHeight BranchTip(const BranchTree::Branch& b) { return b.last(); }

// Upstream's fork choice between two tips: the higher, then the lower hash.
bool Better(BlockHeight ha, const Hash32& a, BlockHeight hb, const Hash32& b) {
  if (ha != hb) return ha > hb;
  return a.Hex() < b.Hex();
}

class Analysis {
 public:
  Analysis(const NetworkForkOptions& options, NetworkForkReport* report) : options_(options), report_(report) {}

  Status Run() {
    if (options_.nodes.empty() && options_.log_files.empty())
      return Status::InvalidArgument("network-fork needs at least one --node NAME=PATH or --logs FILE");
    TakeInputs();
    ReadChains();
    ReplayBranches();
    PlaceLogNodes();
    Decide();
    return Status::Ok();
  }

 private:
  struct Node {
    NetworkNode out;
    Position pos;            // its tip in the tree
    bool excluded = false;   // an input error: not in the tree
    bool diverged = false;   // logs only: a logged block no chain data holds
    std::optional<BlockHeight> diverged_at;
    bool ahead = false;      // logs only: its log goes past every chain given
  };

  void Error(Node* n, std::string message) {
    n->excluded = true;
    n->out.action = NodeAction::kInvestigate;
    n->out.note = message;
    report_->errors.push_back({n->out.name, n->out.path, std::move(message)});
  }

  void TakeInputs() {
    std::map<std::string, std::string> seen;
    for (const NetworkNodeInput& in : options_.nodes) {
      Node n;
      n.out.name = in.name;
      n.out.path = in.path;
      if (Status s = CheckNodeName(in.name); !s.ok()) {
        n.out.name = SafeName(in.name);
        nodes_.push_back(std::move(n));
        Error(&nodes_.back(), fmt::format("node name '{}': {}", n.out.name, s.message()));
        continue;
      }
      auto [it, fresh] = seen.emplace(in.name, in.path);
      nodes_.push_back(std::move(n));
      if (!fresh) {
        Error(&nodes_.back(), fmt::format("two nodes are named {}: {} and {}; this one is left out", in.name, it->second, in.path));
        continue;
      }
      nodes_.back().out.source = IsFingerprintFile(in.path) ? NodeSource::kFingerprint : NodeSource::kChain;
    }
  }

  void Join(Node* n, NodeRead* r) {
    if (r->input) report_->inputs.push_back(*r->input);
    if (r->error) {
      Error(n, r->error->message());
      return;
    }
    if (r->blocks.empty()) {
      Error(n, fmt::format("{} holds no block to compare", n->out.path));
      return;
    }
    if (r->end && r->end->partial)
      report_->warnings.push_back(fmt::format("node {}: its fingerprint's replay stopped early ({}): blocks after "
                                              "block {} are not in it",
                                              n->out.name, r->end->stopped_reason, r->blocks.back().height));
    if (r->end && !r->end->signatures_checked)
      report_->warnings.push_back(fmt::format("node {}: its fingerprint was made without checking signatures", n->out.name));
    for (size_t i = 0; i < r->blocks.size(); ++i) {
      std::span<const FindingCode> codes;
      if (r->blocks[i].check == BlockCheck::kViolation)
        if (auto it = r->codes.find(i); it != r->codes.end()) codes = it->second;
      if (auto c = tree_.Add(&n->pos, r->blocks[i], codes, r->judged)) Conflict(n->out.name, *c);
    }
    n->out.tip_height = r->blocks.back().height;
    n->out.tip_hash = r->blocks.back().hash.Hex();
    r->blocks.clear();
    r->blocks.shrink_to_fit();
  }

  void Conflict(const std::string& node, const BranchTree::Conflict& c) {
    if (report_->verdict_conflicts++ == 0)
      report_->warnings.push_back(fmt::format(
          "the replays disagree on block {} ({}): one found it {}, node {}'s {} (the failed check is kept; a replay "
          "from a trusted snapshot may see a different state)",
          c.height, c.hash.Hex(), BlockCheckName(c.before), node, BlockCheckName(c.now)));
  }

  // Reads every node's chain, a few ahead on other threads, and joins them to the tree in order.
  void ReadChains() {
    const unsigned threads = options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<size_t> order;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (!nodes_[i].excluded) order.push_back(i);
    std::vector<std::future<NodeRead>> pending(order.size());
    size_t launched = 0;
    auto launch = [&]() {
      Node& n = nodes_[order[launched]];
      const std::string path = n.out.path;
      const bool fp = n.out.source == NodeSource::kFingerprint;
      pending[launched++] = std::async(std::launch::async, [this, path, fp]() {
        NodeRead r = fp ? ReadFingerprintFile(path) : ScanChainHashes(path, options_.replay);
        if (!fp)
          if (auto in = DescribeInput(path)) r.input = *in;
        return r;
      });
    };
    for (size_t k = 0; k < order.size(); ++k) {
      while (launched < order.size() && launched < k + threads) launch();
      NodeRead r = pending[k].get();
      Join(&nodes_[order[k]], &r);
    }
  }

  // One replay per distinct chain among the nodes that gave chain data, longest first.
  void ReplayBranches() {
    std::vector<size_t> chains;
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (!nodes_[i].excluded && nodes_[i].out.source == NodeSource::kChain) chains.push_back(i);
    std::stable_sort(chains.begin(), chains.end(),
                     [&](size_t a, size_t b) { return *nodes_[a].out.tip_height > *nodes_[b].out.tip_height; });
    std::vector<size_t> replayed;
    for (size_t i : chains) {
      Node& n = nodes_[i];
      bool covered = false;
      for (size_t r : replayed) {
        auto common = tree_.Common(nodes_[r].pos, n.pos);
        if (common && common->height == n.pos.height) covered = true;
      }
      if (covered) continue;
      replayed.push_back(i);
      StateViolationOptions replay = options_.replay;
      replay.chain_path = n.out.path;
      replay.stop_requested = options_.stop_requested;
      replay.log_files.clear();
      Position pos;
      FingerprintCollector collector([&](const FingerprintBlock& b) {
        if (auto c = tree_.Add(&pos, BranchTree::Of(b), b.codes, true)) Conflict(n.out.name, *c);
      });
      replay.on_block = [&](const BlockOutcome& o) { collector.Add(o); };
      auto result = AnalyzeStateViolation(replay);
      collector.Flush();
      ++report_->replays;
      if (!result) {
        report_->warnings.push_back(fmt::format("node {}: the replay of {} failed: {}", n.out.name, n.out.path,
                                                result.error().message()));
        continue;
      }
      if (result->partial)
        report_->warnings.push_back(fmt::format("node {}: the replay of {} stopped early: {}", n.out.name, n.out.path,
                                                result->stopped_reason));
      if (!result->signatures_checked)
        report_->warnings.push_back(fmt::format("node {}: replayed without checking signatures", n.out.name));
    }
  }

  void PlaceLogNodes() {
    if (options_.log_files.empty()) return;
    LogScanOptions lo;
    lo.keep_unclassified = false;
    lo.stop = StopCondition(0, options_.stop_requested);
    LogPlacements sink;
    LogScanResult scan;
    if (Status s = StreamLogs(options_.log_files, lo, &sink, &scan); !s.ok()) {
      report_->errors.push_back({"", "", s.message()});
      return;
    }
    for (const std::string& w : scan.warnings) report_->warnings.push_back(w);
    for (const std::string& f : options_.log_files)
      if (auto in = DescribeInput(f)) report_->inputs.push_back(*in);
    for (const LogFileStats& f : scan.files) {
      bool named = false;
      for (const auto& [name, node] : sink.nodes_) named = named || node.files.count(f.file);
      if (!named) {
        Node n;
        n.out.name = SafeName(f.node);
        n.out.path = f.file;
        n.out.source = NodeSource::kLogs;
        nodes_.push_back(std::move(n));
        Error(&nodes_.back(), fmt::format("{}: no line names a block hash (\"Applying block to state\" with "
                                          "block_number and block_hash): the node cannot be placed",
                                          f.file));
      }
    }
    for (const auto& [raw_name, logged] : sink.nodes_) {
      // A log named after its node ("node-03.log", rotations merged by the reader) names the node.
      std::string_view base = raw_name;
      if (base.size() > 4 && base.substr(base.size() - 4) == ".log") base.remove_suffix(4);
      const std::string name = SafeName(base);
      std::string files;
      for (const std::string& f : logged.files) files += (files.empty() ? "" : ", ") + f;
      if (std::any_of(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.out.name == name; })) {
        report_->warnings.push_back(fmt::format("the log of node {} ({}) is not used to place it: the node is given "
                                                "by --node, or by another log under that name",
                                                name, files));
        continue;
      }
      Node n;
      n.out.name = name;
      n.out.path = files;
      n.out.source = NodeSource::kLogs;
      Place(&n, logged.blocks);
      nodes_.push_back(std::move(n));
    }
  }

  void Place(Node* n, const std::map<BlockHeight, std::string>& blocks) {
    n->out.tip_height = blocks.rbegin()->first;
    n->out.tip_hash = blocks.rbegin()->second;
    for (const auto& [h, prefix] : blocks) {
      std::optional<Position> next;
      bool any_at_height = false;
      for (Position c : tree_.FindByPrefix(h, prefix)) {
        if (!n->pos.placed()) {
          next = c;
          break;
        }
        auto common = tree_.Common(n->pos, c);
        if (common && common->branch >= 0 && common->height == n->pos.height) {
          next = c;
          break;
        }
      }
      for (size_t id = 0; id < tree_.size() && !any_at_height; ++id) {
        const auto& br = tree_.branch(static_cast<int>(id));
        any_at_height = h >= br.from && h <= br.last();
      }
      if (next) {
        n->pos = *next;
        continue;
      }
      if (!any_at_height) {
        n->ahead = true;
      } else {
        n->diverged = true;
        n->diverged_at = h;
      }
      break;
    }
    if (!n->pos.placed()) {
      Error(n, fmt::format("{}: none of the blocks its log names is in the chain data given (first: block {}, {})",
                           n->out.path, blocks.begin()->first, blocks.begin()->second));
    }
  }

  void Decide();

  const NetworkForkOptions& options_;
  NetworkForkReport* report_;
  BranchTree tree_;
  std::vector<Node> nodes_;
};

void Analysis::Decide() {
  NetworkForkReport& r = *report_;
  // The network: the first branch tree most placed nodes share.
  std::map<int, size_t> per_root;
  for (const Node& n : nodes_)
    if (!n.excluded && n.pos.placed()) ++per_root[tree_.Root(n.pos.branch)];
  std::optional<int> root;
  for (auto [id, count] : per_root)
    if (!root || count > per_root[*root]) root = id;
  for (Node& n : nodes_) {
    if (n.excluded || !n.pos.placed() || tree_.Root(n.pos.branch) == *root) continue;
    const auto& mine = tree_.branch(tree_.Root(n.pos.branch));
    const auto& main = tree_.branch(*root);
    if (mine.from == 0 && main.from == 0)
      Error(&n, fmt::format("{} is of another network: its block 0 is {}, the other nodes' is {}", n.out.path,
                            mine.entries.front().hash.Hex(), main.entries.front().hash.Hex()));
    else
      Error(&n, fmt::format("{} shares no block with the other nodes (its chain starts at block {})", n.out.path, mine.from));
  }
  if (!root) {
    r.verdict = Verdict::kInconclusive;
    for (Node& n : nodes_) r.nodes.push_back(n.out);
    return;
  }

  // Branches of the network, numbered in tree order.
  std::map<int, int> number;
  for (size_t id = 0; id < tree_.size(); ++id)
    if (tree_.Root(static_cast<int>(id)) == *root) number[static_cast<int>(id)] = static_cast<int>(number.size());
  auto bad_block = [&](Position at, BlockHeight h) {
    int holder = -1;
    const auto* e = tree_.OnPath(at, h, &holder);
    NetworkBlock b;
    b.height = h;
    if (e) b.hash = e->hash;
    if (holder >= 0) b.codes = tree_.Codes(holder, h);
    return b;
  };
  for (auto [id, num] : number) {
    const auto& br = tree_.branch(id);
    NetworkBranch b;
    b.id = num;
    if (br.parent) b.parent = number.at(*br.parent);
    b.from_height = br.from;
    b.tip_height = BranchTip(br);
    b.tip_hash = br.entries.back().hash;
    const Position tip{id, b.tip_height};
    if (auto bad = tree_.FirstViolation(tip)) b.first_bad_block = bad_block(tip, *bad);
    b.valid = !b.first_bad_block;
    for (const Node& n : nodes_)
      if (!n.excluded && !n.diverged && n.pos.placed() && n.pos.branch == id) b.nodes.push_back(n.out.name);
    r.branches.push_back(std::move(b));
  }
  r.distinct_blocks = tree_.distinct_blocks();
  auto tree_id = [&](int num) {
    for (auto [id, n] : number)
      if (n == num) return id;
    return -1;
  };

  // Upstream's fork choice over every tip, and the same rule over the valid ones.
  std::optional<int> choice, chosen;
  for (const NetworkBranch& b : r.branches) {
    if (!choice || Better(b.tip_height, b.tip_hash, r.branches[*choice].tip_height, r.branches[*choice].tip_hash))
      choice = b.id;
    if (b.valid && (!chosen || Better(b.tip_height, b.tip_hash, r.branches[*chosen].tip_height, r.branches[*chosen].tip_hash)))
      chosen = b.id;
  }
  r.fork_choice = NetworkForkReport::ForkChoice{*choice, r.branches[*choice].tip_hash, r.branches[*choice].tip_height,
                                                !r.branches[*choice].valid};
  r.chosen_branch = chosen;

  // The common ancestor of every node of the network.
  std::optional<Position> common;
  bool first = true;
  for (const Node& n : nodes_) {
    if (n.excluded || !n.pos.placed()) continue;
    common = first ? std::optional<Position>(n.pos) : (common ? tree_.Common(*common, n.pos) : std::nullopt);
    first = false;
  }
  if (common) {
    const auto* e = tree_.OnPath(*common, common->height);
    r.common_ancestor = BlockRef{common->height, e ? e->hash : Hash32{}};
    // The network target: the highest block at or below it, below every bad block of the chain that
    // leads to it, whose state was verified; else the highest that passed, said to be unverified.
    const std::optional<BlockHeight> bad = tree_.FirstViolation(*common);
    const BlockHeight low = tree_.branch(*root).from;
    std::optional<std::pair<BlockHeight, Hash32>> passed;
    for (BlockHeight h = bad ? std::min(common->height + 1, *bad) : common->height + 1; h-- > low;) {
      const auto* x = tree_.OnPath(*common, h);
      if (!x || x->check != BlockCheck::kVerified) continue;
      if (x->state_verified) {
        r.network_target = NetworkTarget{h, x->hash, fmt::format("coinjectured reorg --to-block {}", x->hash.Hex()), true,
                                         "its state matched the replay (committed root, recorded state or snapshot)"};
        break;
      }
      if (!passed) passed = std::pair{h, x->hash};
    }
    if (!r.network_target && passed)
      r.network_target = NetworkTarget{passed->first, passed->second,
                                       fmt::format("coinjectured reorg --to-block {}", passed->second.Hex()), false,
                                       "it passed every check, but no block at or below it had its state confirmed "
                                       "(no committed root matched): the target's state is taken on trust"};
  }

  // Each node's place and action.
  const int chosen_id = chosen ? tree_id(*chosen) : -1;
  const Position chosen_tip = chosen ? Position{chosen_id, r.branches[*chosen].tip_height} : Position{};
  bool disagree = false, bad_node = false, unverified = false;
  for (Node& n : nodes_) {
    NetworkNode& o = n.out;
    if (n.excluded || (!n.pos.placed() && !n.ahead)) {
      o.action = NodeAction::kInvestigate;
      r.nodes.push_back(o);
      continue;
    }
    // A node whose log leaves every chain given is on a branch of its own, unknown here.
    if (n.pos.placed() && !n.diverged) o.branch = number.at(n.pos.branch);
    if (auto bad = tree_.FirstViolation(n.pos)) {
      o.first_bad_block = bad_block(n.pos, *bad);
      o.verdict = Verdict::kViolation;
    } else if (n.diverged || n.ahead || tree_.FirstUnverified(n.pos) || n.out.source == NodeSource::kLogs) {
      o.verdict = Verdict::kInconclusive;
    } else {
      o.verdict = Verdict::kClean;
    }
    std::optional<BlockHeight> fork;
    if (chosen) {
      auto c = n.pos.placed() ? tree_.Common(n.pos, chosen_tip) : std::nullopt;
      if (n.diverged) fork = n.diverged_at;
      else if (!c) fork = 0;
      else if (c->height < n.pos.height) fork = c->height + 1;
    }
    o.fork_height = fork;
    if (chosen && !fork && o.verdict != Verdict::kViolation) {
      const bool at_tip = n.pos.height == chosen_tip.height && !n.ahead;
      o.action = at_tip || n.ahead ? NodeAction::kNone : NodeAction::kCatchUp;
      o.note = n.ahead ? "its log goes past every chain given: the blocks above them are not verified"
               : at_tip ? "on the chosen branch, at its tip"
                        : fmt::format("on the chosen branch, {} block(s) behind its tip", chosen_tip.height - n.pos.height);
      if (o.verdict != Verdict::kClean) unverified = true;
    } else {
      o.action = NodeAction::kReorg;
      disagree = true;
      if (o.verdict == Verdict::kViolation) bad_node = true;
      if (r.network_target) o.command = r.network_target->command;
      o.note = o.verdict == Verdict::kViolation
                   ? fmt::format("its chain fails the replay at block {}", o.first_bad_block->height)
               : !chosen ? "no branch of the network passes the replay"
               : n.diverged ? fmt::format("its log names a block at height {} no chain given holds", *fork)
                            : fmt::format("on a fork the network leaves (it differs from the chosen branch from block {})", *fork);
      if (!r.network_target) o.note += "; no block could be agreed on, so no reorg target can be given";
    }
    r.nodes.push_back(o);
  }
  if (r.fork_choice->bad)
    r.warnings.push_back(fmt::format("upstream's fork choice (longest chain, then the lower hash) picks branch {} (tip "
                                     "{} at block {}), which FAILS the replay: the network would converge on a bad "
                                     "branch",
                                     r.fork_choice->branch, r.fork_choice->tip_hash.Hex(), r.fork_choice->tip_height));
  if (bad_node || disagree) r.verdict = Verdict::kViolation;
  else if (!r.errors.empty() || unverified) r.verdict = Verdict::kInconclusive;
  else r.verdict = Verdict::kClean;
}

}  // namespace

std::string_view NodeActionName(NodeAction a) {
  switch (a) {
    case NodeAction::kNone: return "none";
    case NodeAction::kCatchUp: return "catch-up";
    case NodeAction::kReorg: return "reorg";
    case NodeAction::kInvestigate: return "investigate";
  }
  return "";
}

std::string_view NodeSourceName(NodeSource s) {
  switch (s) {
    case NodeSource::kFingerprint: return "fingerprint";
    case NodeSource::kChain: return "chain";
    case NodeSource::kLogs: return "logs";
  }
  return "";
}

Result<NetworkForkReport> AnalyzeNetworkFork(const NetworkForkOptions& options) {
  NetworkForkReport report;
  Analysis a(options, &report);
  FORENSICS_RETURN_IF_ERROR(a.Run());
  return report;
}

}  // namespace forensics
