// Checkpoint files and the row journal; formats in docs/reliability.md.
#include "run/checkpoint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <type_traits>
#include <utility>

#include "engine/state.hpp"
#include "io/files.hpp"
#include "io/hash.hpp"
#include "version.hpp"

namespace talentsim {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Every member of the state, listed once for saving and loading. The layout assertions below fail
// to compile when a member is added to one of these structs without being listed here.

struct CheckpointAccess {
    template <class A, class C>
    static void candidates(A&& a, C& c) {
#define TALENTSIM_SAVE(type, name, empty) a(c.name);
        TALENTSIM_CANDIDATE_COLUMNS(TALENTSIM_SAVE)
#undef TALENTSIM_SAVE
    }
    template <class A, class E>
    static void employers(A&& a, E& e) {
#define TALENTSIM_SAVE(type, name, empty, per_role) a(e.name);
        TALENTSIM_EMPLOYER_COLUMNS(TALENTSIM_SAVE)
#undef TALENTSIM_SAVE
    }
    template <class A, class W>
    static void world(A&& a, W& w) {
        a(w.seed);
        a(w.steps);
        candidates(a, w.candidates);
        employers(a, w.employers);
        a(w.active_candidates);
        a(w.active_employers);
        a(w.now.step);
        a(w.now.month);
        a(w.now.demand);
        a(w.now.posted_index);
        a(w.now.enforcement);
        a(w.now.relocation_multiplier);
        a(w.now.field_pay);
        a(w.now.friction);
        a(w.now.flow_moved);
        a(w.now.flow_left);
        // w.postings and w.applications are scratch rebuilt by every step: not saved.
        a(w.size_unit_people);
        a(w.offers);
        a(w.round_offers);
        a(w.groups);
        a(w.counteroffers);
        a(w.by_employer);
        a(w.hires);
        a(w.moves);
        a(w.counters);
    }
    // The scenario is not part of the state: it is saved as TOML in the header. posting_rows_ and
    // offer_rows_ are rebuilt by every step; times_ (benchmark timing) is set by its user.
    template <class A, class S>
    static void simulation(A&& a, S& sim) {
        a(sim.steps_);
        a(sim.next_step_);
        world(a, sim.world_);
        a(sim.panel_ids_);
        a(sim.last_);
    }
    static std::unique_ptr<Simulation> shell(const Scenario& s, std::int32_t steps) {
        return std::unique_ptr<Simulation>(new Simulation(s, steps, Simulation::Restoring{}));
    }
    static World& world_of(Simulation& sim) { return sim.world_; }
    static const std::vector<std::uint32_t>& panel_ids(const Simulation& sim) { return sim.panel_ids_; }

    // Mirrors of the structs as this file knows them.
    template <class T>
    using V = std::vector<T>;
    struct StepConditionsLayout {
        std::int32_t step, month;
        V<double> demand, posted_index, enforcement;
        double reloc;
        V<double> field_pay, friction, flow_moved, flow_left;
    };
    struct PostingsLayout {
        V<PostingCard> card;
        V<std::uint32_t> a, b;
        V<std::uint8_t> c, d, d2;
        V<float> e;
        V<std::uint32_t> f;
        PostingSampler g;
        std::size_t h;
    };
    struct ApplicationsLayout {
        V<std::uint32_t> a;
        V<Applicant> b;
        V<std::uint32_t> c;
    };
    struct WorldLayout {
        const Scenario* scenario;
        std::uint64_t seed;
        std::int32_t steps;
        Candidates c;
        Employers e;
        std::size_t ac, ae;
        StepConditions now;
        Postings p;
        Applications a;
        double unit;
        V<Offer> o1, o2;
        V<std::uint32_t> g;
        V<Offer> o3;
        V<V<Offer>> by;
        V<Hire> h;
        V<MoveRow> m;
        Counters n;
        TeamIndex t;  // rebuilt from the team column after a restore: not saved
        WageGuess wg;  // record's guesses (speed only): not saved, made again from the first step on
    };
    struct SimulationLayout {
        Scenario s;
        std::int32_t a, b;
        World w;
        V<std::uint32_t> p;
        V<PostingRow> r;
        V<OfferRow> o;
        StepRow l;
        void* times;
    };
    static void check_layouts();
};

void CheckpointAccess::check_layouts() {
    constexpr std::size_t vec = sizeof(std::vector<char>);
#define TALENTSIM_ONE(...) +1
    static_assert(sizeof(Candidates) == (0 TALENTSIM_CANDIDATE_COLUMNS(TALENTSIM_ONE)) * vec,
                  "Candidates changed: declare every column in TALENTSIM_CANDIDATE_COLUMNS");
    static_assert(sizeof(Employers) == (0 TALENTSIM_EMPLOYER_COLUMNS(TALENTSIM_ONE)) * vec,
                  "Employers changed: declare every column in TALENTSIM_EMPLOYER_COLUMNS");
#undef TALENTSIM_ONE
    static_assert(sizeof(StepConditions) == sizeof(StepConditionsLayout),
                  "StepConditions changed: update CheckpointAccess::world");
    static_assert(sizeof(Postings) == sizeof(PostingsLayout), "Postings changed: update CheckpointAccess::world");
    static_assert(sizeof(Applications) == sizeof(ApplicationsLayout),
                  "Applications changed: update CheckpointAccess::world");
    static_assert(sizeof(World) == sizeof(WorldLayout), "World changed: update CheckpointAccess::world");
    static_assert(sizeof(Simulation) == sizeof(SimulationLayout),
                  "Simulation changed: update CheckpointAccess::simulation");
    static_assert(std::is_trivially_copyable_v<Counters> && std::is_trivially_copyable_v<Offer> &&
                  std::is_trivially_copyable_v<Hire> && std::is_trivially_copyable_v<StepRow>);
}

namespace {

// ---------------------------------------------------------------------------------------------
// Binary files: native layout (a checkpoint is read by the same program build that wrote it),
// counts as uint64, FNV-1a 64 checksum over every byte.

[[noreturn]] void fail_errno(const fs::path& p, const std::string& what) {
    throw std::runtime_error(p.string() + ": " + what + " failed: " + std::strerror(errno));
}

// A file written through a buffer, with running byte count and checksum.
class FileOut {
public:
    // Creates (truncates) `path`; or, with `offset`, opens it and writes from `offset` on, the
    // checksum continuing from `hash`.
    explicit FileOut(fs::path path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd_ < 0) fail_errno(path_, "create");
    }
    FileOut(fs::path path, std::uint64_t offset, std::uint64_t hash)
        : path_(std::move(path)), bytes_(offset), hash_(hash) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_ < 0) fail_errno(path_, "open");
        if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0) fail_errno(path_, "truncate");
        if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) fail_errno(path_, "seek");
    }
    FileOut(const FileOut&) = delete;
    FileOut& operator=(const FileOut&) = delete;
    ~FileOut() {
        if (fd_ >= 0) ::close(fd_);
    }

    void put(const void* data, std::size_t n) {
        hash_ = fnv1a(hash_, data, n);
        bytes_ += n;
        const auto* p = static_cast<const char*>(data);
        buf_.insert(buf_.end(), p, p + n);
        if (buf_.size() >= kBuffer) flush();
    }
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        put(&v, sizeof v);
    }
    template <class T>
    void vec(std::span<const T> v) {
        static_assert(std::is_trivially_copyable_v<T>);
        pod<std::uint64_t>(v.size());
        if (!v.empty()) put(v.data(), v.size_bytes());
    }
    void str(const std::string& s) { vec(std::span<const char>(s)); }

    void flush() {
        const char* p = buf_.data();
        std::size_t left = buf_.size();
        while (left > 0) {
            const ssize_t n = ::write(fd_, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail_errno(path_, "write");
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        buf_.clear();
    }
    void sync() {
        flush();
        if (::fsync(fd_) != 0) fail_errno(path_, "fsync");
    }
    void close() {
        sync();
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) fail_errno(path_, "close");
    }
    std::uint64_t bytes() const { return bytes_; }
    std::uint64_t hash() const { return hash_; }
    const fs::path& path() const { return path_; }

private:
    static constexpr std::size_t kBuffer = 4u << 20;
    fs::path path_;
    int fd_ = -1;
    std::vector<char> buf_;
    std::uint64_t bytes_ = 0, hash_ = kFnvOffset;
};

// A file read through a buffer, never past `limit` bytes, with running checksum. Every count is
// checked against the bytes left before anything is allocated, so a damaged file cannot make the
// reader allocate more than the file holds.
class FileIn {
public:
    FileIn(fs::path path, const char* kind) : path_(std::move(path)), kind_(kind) {
        fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);  // a FIFO must not block the open
        if (fd_ < 0) {
            if (errno == ENOENT) throw CheckpointError(path_.string() + ": no such " + kind_);
            fail_errno(path_, "open");
        }
        struct stat st {};
        if (::fstat(fd_, &st) != 0) fail_errno(path_, "stat");
        if (!S_ISREG(st.st_mode)) {
            ::close(fd_);
            throw CheckpointError(path_.string() + ": not a regular file");
        }
        size_ = limit_ = static_cast<std::uint64_t>(st.st_size);
    }
    FileIn(const FileIn&) = delete;
    FileIn& operator=(const FileIn&) = delete;
    ~FileIn() { ::close(fd_); }

    std::uint64_t size() const { return size_; }
    void set_limit(std::uint64_t limit) { limit_ = limit; }
    std::uint64_t left() const { return limit_ - consumed_; }
    std::uint64_t consumed() const { return consumed_; }
    std::uint64_t hash() const { return hash_; }

    void get(void* data, std::size_t n) {
        if (n > left()) damaged("ends early");
        auto* out = static_cast<char*>(data);
        while (n > 0) {
            if (pos_ == buf_.size()) refill();
            const std::size_t k = std::min(n, buf_.size() - pos_);
            std::memcpy(out, buf_.data() + pos_, k);
            hash_ = fnv1a(hash_, out, k);
            pos_ += k;
            out += k;
            n -= k;
            consumed_ += k;
        }
    }
    template <class T>
    T pod() {
        T v;
        get(&v, sizeof v);
        return v;
    }
    std::uint64_t count(std::size_t elem) {
        const auto n = pod<std::uint64_t>();
        if (elem > 0 && n > left() / elem) damaged("holds a count larger than the file");
        return n;
    }
    template <class T>
    void vec(std::vector<T>& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        v.resize(count(sizeof(T)));
        if (!v.empty()) get(v.data(), v.size() * sizeof(T));
    }
    std::string str() {
        std::string s(count(1), '\0');
        if (!s.empty()) get(s.data(), s.size());
        return s;
    }

    [[noreturn]] void damaged(const std::string& what) const {
        throw CheckpointError(path_.string() + ": damaged " + kind_ + " (" + what + " at byte " +
                              std::to_string(consumed_) + ")");
    }

private:
    void refill() {
        buf_.resize(kBuffer);
        ssize_t n;
        do n = ::read(fd_, buf_.data(), buf_.size());
        while (n < 0 && errno == EINTR);
        if (n < 0) fail_errno(path_, "read");
        if (n == 0) damaged("ends early");
        buf_.resize(static_cast<std::size_t>(n));
        pos_ = 0;
    }
    static constexpr std::size_t kBuffer = 4u << 20;
    fs::path path_;
    const char* kind_;
    int fd_ = -1;
    std::vector<char> buf_;
    std::size_t pos_ = 0;
    std::uint64_t size_ = 0, limit_ = 0, consumed_ = 0, hash_ = kFnvOffset;
};

// Archives for CheckpointAccess: one call per member.
struct Saver {
    FileOut& f;
    template <class T>
    void operator()(const T& v) {
        f.pod(v);
    }
    template <class T>
    void operator()(const std::vector<T>& v) {
        f.vec(std::span<const T>(v));
    }
    template <class T>
    void operator()(const std::vector<std::vector<T>>& v) {
        f.pod<std::uint64_t>(v.size());
        for (const auto& x : v) f.vec(std::span<const T>(x));
    }
};
struct Loader {
    FileIn& f;
    template <class T>
    void operator()(T& v) {
        v = f.pod<T>();
    }
    template <class T>
    void operator()(std::vector<T>& v) {
        f.vec(v);
    }
    template <class T>
    void operator()(std::vector<std::vector<T>>& v) {
        v.resize(f.count(sizeof(std::uint64_t)));
        for (auto& x : v) f.vec(x);
    }
};

constexpr char kCheckpointMagic[8] = {'T', 'S', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr char kJournalMagic[8] = {'T', 'S', 'J', 'R', 'N', 'L', '\r', '\n'};

void write_header(FileOut& f, const CheckpointHeader& h) {
    f.put(kCheckpointMagic, sizeof kCheckpointMagic);
    f.pod(kCheckpointFormat);
    f.str(h.program);
    f.str(h.scenario_toml);
    f.pod(h.seed);
    f.pod(h.steps);
    f.pod(h.next_step);
    f.pod(h.every);
    f.str(h.out);
    f.pod(h.journal_bytes);
    f.pod(h.journal_hash);
}

CheckpointHeader read_header(FileIn& f) {
    char magic[sizeof kCheckpointMagic];
    if (f.size() < sizeof magic + sizeof(std::uint32_t))
        throw CheckpointError("not a talentsim checkpoint (too short)");
    f.get(magic, sizeof magic);
    if (std::memcmp(magic, kCheckpointMagic, sizeof magic) != 0) throw CheckpointError("not a talentsim checkpoint");
    if (const auto format = f.pod<std::uint32_t>(); format != kCheckpointFormat)
        throw CheckpointError("checkpoint format " + std::to_string(format) + ", this talentsim reads format " +
                              std::to_string(kCheckpointFormat));
    CheckpointHeader h;
    h.program = f.str();
    if (h.program != program_identity())
        throw CheckpointError("written by talentsim " + h.program + ", this is talentsim " + program_identity() +
                              "; finish the run with the program that started it, or start it again");
    h.scenario_toml = f.str();
    h.seed = f.pod<std::uint64_t>();
    h.steps = f.pod<std::int32_t>();
    h.next_step = f.pod<std::int32_t>();
    h.every = f.pod<std::int32_t>();
    h.out = f.str();
    h.journal_bytes = f.pod<std::uint64_t>();
    h.journal_hash = f.pod<std::uint64_t>();
    if (h.steps < 1 || h.next_step < 0 || h.next_step > h.steps || h.every < 0) f.damaged("step counts out of range");
    return h;
}

// Opens `path` and reads its header; errors that come without the path get it prepended.
template <class Fn>
auto with_path(const fs::path& path, Fn&& fn) {
    try {
        return fn();
    } catch (const CheckpointError& e) {
        const std::string msg = e.what();
        if (msg.rfind(path.string() + ":", 0) == 0) throw;
        throw CheckpointError(path.string() + ": " + msg);
    }
}

void check_state(const FileIn& f, const Simulation& sim, const CheckpointHeader& h, const World& w) {
    const auto& c = w.candidates;
    const std::size_t n = c.size();
    bool ok = true;
    CheckpointAccess::candidates([&](const auto& v) { ok &= v.size() == n; }, c);
    const std::size_t ne = w.employers.size(), roles = w.scenario->roles.size();
    CheckpointAccess::employers([&](const auto& v) { ok &= v.size() == ne || v.size() == ne * roles; }, w.employers);
    ok &= w.employers.headcount.size() == ne * roles && w.employers.vacancies.size() == ne * roles;
    ok &= w.active_candidates <= n && w.active_employers <= ne;
    ok &= w.seed == h.seed && w.steps == h.steps && sim.steps() == h.steps && sim.next_step() == h.next_step;
    for (std::uint32_t id : CheckpointAccess::panel_ids(sim)) ok &= id < n;
    if (!ok) f.damaged("state does not fit its scenario");
}

}  // namespace

void save_checkpoint(const fs::path& path, const CheckpointHeader& header, const Simulation& sim) {
    const fs::path tmp = path.string() + ".tmp";
    try {
        if (const fs::path dir = path.parent_path(); !dir.empty()) fs::create_directories(dir);
        FileOut f(tmp);
        write_header(f, header);
        Saver save{f};
        CheckpointAccess::simulation(save, sim);
        const std::uint64_t checksum = f.hash();
        f.pod(checksum);
        f.close();
        rename_durably(tmp, path);  // f.close() synced the file
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

CheckpointHeader read_checkpoint_header(const fs::path& path) {
    return with_path(path, [&] {
        FileIn f(path, "checkpoint");
        return read_header(f);
    });
}

void verify_checkpoint(const fs::path& path) {
    with_path(path, [&] {
        FileIn f(path, "checkpoint");
        if (f.size() < sizeof(std::uint64_t)) f.damaged("too short");
        f.set_limit(f.size() - sizeof(std::uint64_t));
        std::vector<char> buf(1 << 16);
        while (f.left() > 0) {
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(f.left(), buf.size()));
            f.get(buf.data(), n);
        }
        const std::uint64_t computed = f.hash();
        f.set_limit(f.size());
        if (f.pod<std::uint64_t>() != computed) f.damaged("checksum mismatch");
        return 0;
    });
}

std::unique_ptr<Simulation> load_checkpoint(const fs::path& path, const Scenario& scenario, CheckpointHeader* header) {
    return with_path(path, [&] {
        FileIn f(path, "checkpoint");
        if (f.size() < sizeof(std::uint64_t)) f.damaged("too short");
        f.set_limit(f.size() - sizeof(std::uint64_t));  // the checksum trails everything else
        const CheckpointHeader h = read_header(f);
        auto sim = CheckpointAccess::shell(scenario, h.steps);
        Loader load{f};
        CheckpointAccess::simulation(load, *sim);
        if (f.left() != 0) f.damaged("has " + std::to_string(f.left()) + " unexpected bytes");
        const std::uint64_t computed = f.hash();
        f.set_limit(f.size());
        if (f.pod<std::uint64_t>() != computed) f.damaged("checksum mismatch");
        check_state(f, *sim, h, CheckpointAccess::world_of(*sim));
        if (header) *header = h;
        return sim;
    });
}

// ---------------------------------------------------------------------------------------------
// Journal.

struct JournalWriter::Impl {
    FileOut file;
};

namespace {

enum : std::uint8_t { kBeginRecord = 'B', kStepRecord = 'S' };

void put_strings(FileOut& f, const std::vector<std::string>& v) {
    f.pod<std::uint64_t>(v.size());
    for (const auto& s : v) f.str(s);
}
std::vector<std::string> get_strings(FileIn& f) {
    std::vector<std::string> v(f.count(sizeof(std::uint64_t)));
    for (auto& s : v) s = f.str();
    return v;
}

}  // namespace

JournalWriter::JournalWriter(const fs::path& journal, Writer& inner)
    : impl_(new Impl{FileOut(journal)}), inner_(inner) {
    impl_->file.put(kJournalMagic, sizeof kJournalMagic);
    impl_->file.pod(kCheckpointFormat);
}

JournalWriter::JournalWriter(std::unique_ptr<Impl> impl, Writer& inner) : impl_(std::move(impl)), inner_(inner) {}

JournalWriter::~JournalWriter() = default;

const fs::path& JournalWriter::path() const { return impl_->file.path(); }

std::pair<std::uint64_t, std::uint64_t> JournalWriter::sync() {
    impl_->file.sync();
    return {impl_->file.bytes(), impl_->file.hash()};
}

void JournalWriter::begin(const RunMetadata& m, std::span<const CandidateRow> candidates,
                          std::span<const EmployerRow> employers) {
    FileOut& f = impl_->file;
    f.pod<std::uint8_t>(kBeginRecord);
    for (const std::string* s : {&m.scenario_name, &m.scenario_toml, &m.start, &m.talentsim_version, &m.build_type})
        f.str(*s);
    f.pod(m.seed);
    f.pod(m.steps);
    f.pod(m.threads);
    f.pod(m.panel_every);
    for (const auto* v : {&m.cities, &m.roles, &m.tiers, &m.employer_types, &m.degrees, &m.statuses})
        put_strings(f, *v);
    f.vec(candidates);
    f.vec(employers);
    inner_.begin(m, candidates, employers);
}

void JournalWriter::write_step(const StepRow& row, std::span<const PostingRow> postings,
                               std::span<const OfferRow> offers, std::span<const MoveRow> moves,
                               const PanelSnapshot* panel) {
    FileOut& f = impl_->file;
    f.pod<std::uint8_t>(kStepRecord);
    f.pod(row);
    f.vec(postings);
    f.vec(offers);
    f.vec(moves);
    f.pod<std::uint8_t>(panel ? 1 : 0);
    if (panel) {
        f.pod(panel->step);
        f.vec(std::span<const float>(panel->wage));
        f.vec(std::span<const std::uint32_t>(panel->employer));
        f.vec(std::span<const std::uint8_t>(panel->status));
        f.vec(std::span<const std::uint8_t>(panel->city));
    }
    inner_.write_step(row, postings, offers, moves, panel);
}

void JournalWriter::finish(bool complete) { inner_.finish(complete); }

fs::path JournalWriter::final_path() const { return inner_.final_path(); }

std::unique_ptr<JournalWriter> JournalWriter::replay(const fs::path& journal, std::uint64_t bytes, std::uint64_t hash,
                                                     Writer& inner, std::vector<StepRow>& rows) {
    with_path(journal, [&] {
        FileIn f(journal, "journal");
        if (f.size() < bytes)
            throw CheckpointError("holds " + std::to_string(f.size()) + " bytes, the checkpoint needs " +
                                  std::to_string(bytes) + "; it is not the journal of this checkpoint");
        f.set_limit(bytes);
        char magic[sizeof kJournalMagic];
        f.get(magic, sizeof magic);
        if (std::memcmp(magic, kJournalMagic, sizeof magic) != 0 || f.pod<std::uint32_t>() != kCheckpointFormat)
            throw CheckpointError("not a talentsim journal of this format");
        bool begun = false;
        std::vector<PostingRow> postings;
        std::vector<OfferRow> offers;
        std::vector<MoveRow> moves;
        PanelSnapshot panel{};
        while (f.left() > 0) {
            const auto kind = f.pod<std::uint8_t>();
            if (kind == kBeginRecord && !begun) {
                RunMetadata m;
                for (std::string* s :
                     {&m.scenario_name, &m.scenario_toml, &m.start, &m.talentsim_version, &m.build_type})
                    *s = f.str();
                m.seed = f.pod<std::uint64_t>();
                m.steps = f.pod<std::int32_t>();
                m.threads = f.pod<std::int32_t>();
                m.panel_every = f.pod<std::int32_t>();
                for (auto* v : {&m.cities, &m.roles, &m.tiers, &m.employer_types, &m.degrees, &m.statuses})
                    *v = get_strings(f);
                std::vector<CandidateRow> candidates;
                std::vector<EmployerRow> employers;
                f.vec(candidates);
                f.vec(employers);
                inner.begin(m, candidates, employers);
                begun = true;
            } else if (kind == kStepRecord && begun) {
                const auto row = f.pod<StepRow>();
                f.vec(postings);
                f.vec(offers);
                f.vec(moves);
                const bool has_panel = f.pod<std::uint8_t>() != 0;
                if (has_panel) {
                    panel.step = f.pod<std::int32_t>();
                    f.vec(panel.wage);
                    f.vec(panel.employer);
                    f.vec(panel.status);
                    f.vec(panel.city);
                }
                inner.write_step(row, postings, offers, moves, has_panel ? &panel : nullptr);
                rows.push_back(row);
            } else {
                f.damaged("unexpected record");
            }
        }
        if (f.hash() != hash) f.damaged("checksum mismatch: it is not the journal of this checkpoint");
        return 0;
    });
    std::unique_ptr<Impl> impl(new Impl{FileOut(journal, bytes, hash)});
    return std::unique_ptr<JournalWriter>(new JournalWriter(std::move(impl), inner));
}

}  // namespace talentsim
