// A writer that hands each step to a background thread, so compression and disk I/O overlap
// with the next steps. The rows are copied; at most two steps wait in the queue, so memory stays
// bounded. Errors of the background thread are rethrown by the next call.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "io/writer.hpp"

namespace talentsim {
namespace {

class BackgroundWriter : public Writer {
public:
    explicit BackgroundWriter(std::unique_ptr<Writer> inner) : inner_(std::move(inner)) {}
    ~BackgroundWriter() override { stop(); }

    void begin(const RunMetadata& m, std::span<const CandidateRow> c, std::span<const EmployerRow> e) override {
        inner_->begin(m, c, e);
        worker_ = std::thread([this] { drain(); });
    }

    void write_step(const StepRow& row, std::span<const PostingRow> p, std::span<const OfferRow> o,
                    std::span<const MoveRow> m, const PanelSnapshot* panel) override {
        Job job{row, {p.begin(), p.end()}, {o.begin(), o.end()}, {m.begin(), m.end()}, {}};
        if (panel) job.panel = *panel;
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return queue_.size() < kDepth || error_; });
        rethrow_locked();
        queue_.push_back(std::move(job));
        work_.notify_one();
    }

    void finish(bool complete) override {
        stop();
        {
            std::lock_guard lock(mutex_);
            rethrow_locked();
        }
        inner_->finish(complete);
    }

    std::filesystem::path final_path() const override { return inner_->final_path(); }
    bool reads_tables() const override { return inner_->reads_tables(); }

private:
    static constexpr std::size_t kDepth = 2;
    struct Job {
        StepRow row;
        std::vector<PostingRow> postings;
        std::vector<OfferRow> offers;
        std::vector<MoveRow> moves;
        std::optional<PanelSnapshot> panel;
    };

    void drain() {
        for (;;) {
            Job job;
            {
                std::unique_lock lock(mutex_);
                work_.wait(lock, [&] { return !queue_.empty() || closing_; });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
            }
            try {
                inner_->write_step(job.row, job.postings, job.offers, job.moves, job.panel ? &*job.panel : nullptr);
            } catch (...) {
                std::lock_guard lock(mutex_);
                error_ = std::current_exception();
                queue_.clear();
                room_.notify_all();
                return;
            }
            std::lock_guard lock(mutex_);
            queue_.pop_front();
            room_.notify_all();
        }
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            closing_ = true;
            work_.notify_all();
        }
        if (worker_.joinable()) worker_.join();
    }

    void rethrow_locked() {
        if (error_) {
            auto e = error_;
            error_ = nullptr;
            std::rethrow_exception(e);
        }
    }

    std::unique_ptr<Writer> inner_;
    std::thread worker_;
    std::mutex mutex_;
    std::condition_variable work_, room_;
    std::deque<Job> queue_;
    bool closing_ = false;
    std::exception_ptr error_;
};

}  // namespace

std::unique_ptr<Writer> make_background_writer(std::unique_ptr<Writer> inner) {
    return std::make_unique<BackgroundWriter>(std::move(inner));
}

}  // namespace talentsim
