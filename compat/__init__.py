"""CDK Terrain (cdktn) compatibility: the rename rules, the allowed differences, `make test-cdktn`.

``rename.py`` holds the rules of the move and writes the renamed tree; ``compare.py`` says what may
differ between the cdktf and the cdktn output; ``check.py`` (``python -m compat.check``) proves it.
The cdktn environment is ``Pipfile``/``Pipfile.lock`` here, installed into ``compat/.venv``.
"""
