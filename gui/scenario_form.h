// The scenario editor's form: one group per section of the schema, generated from field_specs.
// Every edit goes to the document as a `--set`-style update; the loader's error is shown under
// the field it names.
#pragma once

#include <yaml-cpp/yaml.h>

#include <QLabel>
#include <QListWidget>
#include <QWidget>
#include <map>
#include <string>

#include "gui/document.h"
#include "gui/field_specs.h"

namespace trainsite::gui {

class ScenarioForm : public QWidget {
  Q_OBJECT
 public:
  explicit ScenarioForm(ScenarioDocument* doc, QWidget* parent = nullptr);

  void refresh();                             // document text -> widgets
  void show_validation(const Validation& v);  // error text next to the field the loader names

  QWidget* editor(const QString& field_path) const;  // nullptr if the form has no such field
  QListWidget* sites() const { return sites_; }
  // The label that shows an error for `field` (the field's own, else its section's); nullptr if none.
  QLabel* error_label(const QString& field) const;

 private:
  struct Row {
    const FieldSpec* spec = nullptr;
    QWidget* editor = nullptr;
    QLabel* error = nullptr;
  };
  QWidget* make_editor(const FieldSpec& f);
  void set_from_document(Row& row, const YAML::Node& root);
  void write(const FieldSpec& f, const QString& value_yaml);
  void sites_toggled();

  ScenarioDocument* doc_;
  std::map<std::string, Row> rows_;
  std::map<std::string, QLabel*> section_errors_;
  QListWidget* sites_ = nullptr;
  bool updating_ = false;
  std::string writing_;  // field whose editor is writing to the document right now
};

}  // namespace trainsite::gui
