#include "gui/runner.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

namespace trainsite::gui {

Runner::Runner(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<JobOutput>::progressValueChanged, this, &Runner::progress);
  connect(&watcher_, &QFutureWatcher<JobOutput>::finished, this, [this] {
    busy_ = false;
    emit busy_changed(false);
    const QFuture<JobOutput> f = watcher_.future();
    if (f.isCanceled() || f.resultCount() == 0) {
      emit cancelled();
      return;
    }
    const JobOutput out = f.result();
    if (out.result)
      emit finished(*out.result);
    else
      emit failed(out.error);
  });
}

Runner::~Runner() {
  watcher_.cancel();
  watcher_.waitForFinished();
}

void Runner::start(Job job) {
  if (running()) return;
  QFuture<JobOutput> f = QtConcurrent::run([job = std::move(job)](QPromise<JobOutput>& promise) {
    promise.setProgressRange(0, 100);
    JobOutput out;
    try {
      out.result = job([&promise] { return promise.isCanceled(); },
                       [&promise](int p) { promise.setProgressValue(p); });
    } catch (const std::exception& e) {
      out.error = QString::fromStdString(e.what());
    }
    if (!promise.isCanceled()) promise.addResult(out);
  });
  busy_ = true;
  watcher_.setFuture(f);
  emit busy_changed(true);
}

void Runner::cancel() {
  if (busy_) watcher_.cancel();
}

}  // namespace trainsite::gui
