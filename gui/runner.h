// Long runs off the UI thread: a job runs in QtConcurrent's pool, reports progress (0–100) and
// polls a cancel flag; its result (or error) comes back to the UI thread by signal.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <functional>
#include <optional>

#include "models/estimate.h"
#include "models/scenario.h"

namespace trainsite::gui {

struct JobOutput {
  std::optional<models::Result> result;
  QString error;
};

// A job gets `cancelled()` to poll and `progress(percent)` to report; it returns the result.
using Job = std::function<models::Result(const std::function<bool()>& cancelled,
                                         const std::function<void(int)>& progress)>;

class Runner : public QObject {
  Q_OBJECT
 public:
  explicit Runner(QObject* parent = nullptr);
  ~Runner() override;

  void start(Job job);  // ignored while running
  void cancel();
  bool running() const { return busy_; }  // from start() until a result/cancel/failure signal
  void wait() { watcher_.waitForFinished(); }

 signals:
  void progress(int percent);
  void finished(const trainsite::models::Result& result);
  void failed(const QString& message);
  void cancelled();
  void busy_changed(bool running);

 private:
  QFutureWatcher<JobOutput> watcher_;
  bool busy_ = false;
};

// The DES engine (sim/) + campaign for a scenario, if this build has it; else nullopt and `why`.
std::optional<Job> simulate_job(const models::Scenario& sc, QString* why);

}  // namespace trainsite::gui
