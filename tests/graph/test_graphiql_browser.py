"""GraphiQL in a real headless Chromium that may reach comptoir and nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import WEB_KEY, Comptoir
from tests.support.browser import offline_chromium, require_chromium, screenshot_on_failure

TYPED_QUERY = '{ product(id: "P-00001") { id name brand } }'
TYPO_QUERY = '{ product(id: "P-00001") { id nmae } }'
CATEGORY_NAME_QUERY = '{ category(id: "C-women") { name } }'

QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
# The Variables and Headers editors share the tools pane; the one shown is not `.hidden`.
SHOWN_TOOL_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESPONSE = ".graphiql-response"


def _editor_text(page, selector: str) -> str:
    # CodeMirror draws only the lines in view: read the document from the editor itself.
    text: str = page.eval_on_selector(selector, "element => element.CodeMirror.getValue()")
    return text


def test_graphiql_runs_queries_with_no_request_to_any_other_host(
    comptoir: Comptoir, tmp_path: Path
) -> None:
    require_chromium()
    product = comptoir.query(TYPED_QUERY)["data"]["product"]
    category_name = comptoir.query(CATEGORY_NAME_QUERY)["data"]["category"]["name"]

    with offline_chromium(comptoir.server.url, tmp_path / "profile") as browser:
        page = browser.page
        with screenshot_on_failure(page, tmp_path, "graphiql-failure"):
            # A browser landing on comptoir is sent to GraphiQL, which renders.
            page.goto(comptoir.server.url + "/")
            assert page.url == comptoir.server.url + "/graphql"
            page.wait_for_selector(QUERY_EDITOR)

            # It opens on the category-page example, its Headers tab on the demo web key.
            example = _editor_text(page, QUERY_EDITOR)
            assert "query CategoryPage" in example and "X-Channel-Key" in example
            page.get_by_role("button", name="Headers").wait_for()
            assert json.loads(_editor_text(page, SHOWN_TOOL_EDITOR)) == {"X-Channel-Key": WEB_KEY}

            # The example runs and shows the category's data.
            page.get_by_label("Execute query (Ctrl-Enter)").click()
            page.locator(RESPONSE).get_by_text(f'"name": "{category_name}"').first.wait_for()

            # The docs explorer lists the schema's root type, Query, and its fields.
            page.get_by_label("Show Documentation Explorer").click()
            docs = page.locator(".graphiql-doc-explorer")
            docs.locator(".graphiql-doc-explorer-type-name", has_text=re.compile("^Query$")).click()
            docs.get_by_text("productSearch", exact=True).wait_for()

            # The explorer plugin lists Query's fields; ticking one adds it to the query.
            page.get_by_label("Show GraphiQL Explorer").click()
            explorer = page.locator(".graphiql-explorer-root")
            explorer.get_by_text("locations", exact=True).first.click()
            page.wait_for_function(
                "selector => document.querySelector(selector).CodeMirror.getValue()"
                ".includes('locations')",
                arg=QUERY_EDITOR,
            )

            # A query typed in the editor runs and shows comptoir's data.
            _type_query(page, TYPED_QUERY)
            page.keyboard.press("Control+Enter")
            response = page.locator(RESPONSE)
            response.get_by_text(f'"name": "{product["name"]}"').wait_for()
            response.get_by_text(f'"brand": "{product["brand"]}"').wait_for()

            # A typo is underlined in the editor and answered with its validation error.
            _type_query(page, TYPO_QUERY)
            page.locator(".graphiql-query-editor .CodeMirror-lint-mark-error").first.wait_for()
            page.get_by_label("Execute query (Ctrl-Enter)").click()
            response.get_by_text("Cannot query field 'nmae' on type 'Product'.").wait_for()
            response.get_by_text("GRAPHQL_VALIDATION_FAILED").wait_for()

            problems = {what: found for what, found in browser.problems().items() if found}
            assert not problems, problems


def _type_query(page, query: str) -> None:
    """Replace the editor's text by typing `query` key by key, as a person would."""
    page.locator(QUERY_EDITOR).click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(query)
    typed = _editor_text(page, QUERY_EDITOR)
    # The editor closes brackets and quotes as they are typed; what it holds must be the query.
    assert typed == query, typed
    # GraphiQL parses the text a moment after the last key (a debounce) and runs the operation
    # it parsed; a person pauses that long before running, the test waits for the parse.
    page.wait_for_function(
        """selector => {
            const editor = document.querySelector(selector).CodeMirror;
            return editor.documentAST?.loc?.source.body === editor.getValue();
        }""",
        arg=QUERY_EDITOR,
    )
