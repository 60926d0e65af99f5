"""Nothing the coordinator made is lost: inputs protected, open files respected, one run at a
time per folder, edited documents kept, a killed run's leftovers cleared.

Below both workflows (:mod:`lsp_xlsx.workflow` and :mod:`lsp_xlsx.workflow_split`); it
knows about no stage, only about files.
"""
