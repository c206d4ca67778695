"""The service layer: one method for every action a person can take, on
:class:`forms_processor.api.FormsApp`, grouped by who takes it. Each method calls the
workflow (or reports) once and returns its typed result; no screen does more."""
