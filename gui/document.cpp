#include "gui/document.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUndoCommand>
#include <stdexcept>

#include "gui/yaml_edit.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"

namespace trainsite::gui {

// One edit as a before/after snapshot of the whole text (scenarios are a few hundred bytes).
class SnapshotCommand : public QUndoCommand {
 public:
  SnapshotCommand(ScenarioDocument* doc, QString before, QString after, QString merge_key)
      : doc_(doc), before_(std::move(before)), after_(std::move(after)), key_(std::move(merge_key)) {
    setText(key_.isEmpty() ? QStringLiteral("edit YAML") : QStringLiteral("edit %1").arg(key_));
  }
  void undo() override { doc_->apply(before_); }
  void redo() override { doc_->apply(after_); }
  int id() const override { return 1; }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* o = static_cast<const SnapshotCommand*>(other);
    if (o->key_ != key_) return false;
    after_ = o->after_;
    return true;
  }

 private:
  ScenarioDocument* doc_;
  QString before_, after_, key_;
};

ScenarioDocument::ScenarioDocument(const models::Catalog& catalog, std::filesystem::path data_dir,
                                   QObject* parent)
    : QObject(parent), catalog_(catalog), data_dir_(std::move(data_dir)) {
  connect(&undo_, &QUndoStack::cleanChanged, this, &ScenarioDocument::path_changed);
}

void ScenarioDocument::apply(const QString& text) {
  if (text == text_) return;
  text_ = text;
  emit changed();
}

void ScenarioDocument::reset(const QString& text, const QString& path) {
  undo_.clear();
  path_ = path;
  text_ = text;
  undo_.setClean();
  emit changed();
  emit path_changed();
}

void ScenarioDocument::load_file(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error(f.errorString().toStdString());
  reset(QString::fromUtf8(f.readAll()), QFileInfo(path).absoluteFilePath());
}

void ScenarioDocument::save_file(const QString& path) {
  QSaveFile f(path);  // temp file + rename: a crash never leaves half a scenario
  if (!f.open(QIODevice::WriteOnly)) throw std::runtime_error(f.errorString().toStdString());
  f.write(text_.toUtf8());
  if (!f.commit()) throw std::runtime_error(f.errorString().toStdString());
  path_ = QFileInfo(path).absoluteFilePath();
  undo_.setClean();
  emit path_changed();
}

void ScenarioDocument::set_field(const QString& field_path, const QString& value_yaml) {
  const std::string edited =
      set_value(text_.toStdString(), field_path.toStdString(), value_yaml.toStdString());
  const QString after = QString::fromStdString(edited);
  if (after == text_) return;
  undo_.push(new SnapshotCommand(this, text_, after, field_path));
}

void ScenarioDocument::set_text(const QString& text) {
  if (text == text_) return;
  undo_.push(new SnapshotCommand(this, text_, text, QString()));
}

Validation ScenarioDocument::validate() const {
  Validation v;
  const std::string file = path_.isEmpty() ? "untitled.yaml" : QFileInfo(path_).fileName().toStdString();
  try {
    scenarios::LoadOptions opt;
    opt.data_dir = data_dir_;
    v.scenario =
        scenarios::scenario_from_yaml(parse_yaml_text(text_.toStdString(), file), file, catalog_, opt);
  } catch (const scenarios::InputError& e) {
    v.message = QString::fromStdString(e.message());
    v.full_message = QString::fromStdString(e.what());
    v.field = QString::fromStdString(e.field());
    v.line = e.where().line;
    try {
      scenarios::LoadOptions opt;
      opt.data_dir = data_dir_;
      opt.parse_only = true;
      v.planning =
          scenarios::scenario_from_yaml(parse_yaml_text(text_.toStdString(), file), file, catalog_, opt);
    } catch (const std::exception&) {  // something besides the layout is wrong: nothing to plan
    }
  } catch (const std::exception& e) {  // yaml-cpp conversions the loader did not wrap
    v.message = v.full_message = QString::fromStdString(e.what());
  }
  return v;
}

}  // namespace trainsite::gui
