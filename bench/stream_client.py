"""One simulated browser tab: a WebSocket session on `/_stcore/stream` exchanging the protobuf
messages of the installed `streamlit.proto`, as a browser does, without drawing anything
(bench/viewers.py runs many of them against one server)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urlparse

import websockets

RUN_TIMEOUT_S = 60


@dataclass
class Run:
    """What one script run sent: widget ids by key, text shown, problems seen."""

    widgets: dict[str, str] = field(default_factory=dict)
    fragments: dict[str, str] = field(default_factory=dict)  # widget id -> its fragment's id
    texts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    query_string: str | None = None


class Viewer:
    """One simulated browser tab: a WebSocket session on the app."""

    def __init__(self, url: str, query_string: str = "", page: str = "") -> None:
        parsed = urlparse(url)
        self.ws_url = f"ws://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
        self.origin = f"http://{parsed.netloc}"
        self.query_string = query_string
        self.page = page                     # URL path of a page ("Support_KPIs"); "" = home
        self.fragments: dict[str, str] = {}
        self.states: dict[str, object] = {}  # widget id -> WidgetState the viewer has set
        self.cache: dict[str, object] = {}   # message hash -> ForwardMsg (as the browser keeps)
        self.widgets: dict[str, str] = {}    # widget key -> id, from the last run
        self.ws = None

    async def __aenter__(self) -> Self:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"],
                                           origin=self.origin, max_size=None,
                                           open_timeout=RUN_TIMEOUT_S)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def rerun(self, key: str | None = None, value: list[str] | str | None = None,
                    timeout: float = RUN_TIMEOUT_S) -> Run:
        """Rerun the script (first call: open the page); with `key`, after setting that widget
        to `value` as the browser sends it: the option labels chosen (multiselect, segmented
        control) or one label (selectbox). Returns when the run has finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        msg = BackMsg()
        client = msg.rerun_script
        if key is not None:
            state = WidgetState(id=self.widgets[key])
            if isinstance(value, str):
                state.string_value = value
            else:
                state.string_array_value.data.extend(value)
            self.states[state.id] = state
            # A widget drawn inside an st.fragment reruns only that fragment, as in the browser.
            client.fragment_id = self.fragments.get(state.id, "")
        client.query_string = self.query_string
        client.page_name = self.page
        client.widget_states.widgets.extend(self.states.values())
        client.cached_message_hashes.extend(self.cache)
        await self.ws.send(msg.SerializeToString())
        run = await asyncio.wait_for(self._until_finished(), timeout)
        self.widgets.update(run.widgets)
        self.fragments.update(run.fragments)
        if run.query_string is not None:
            self.query_string = run.query_string  # the app rewrote the address bar
        return run

    async def _until_finished(self) -> Run:
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        run = Run()
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":  # a message the server knows this client holds
                if msg.ref_hash not in self.cache:
                    run.problems.append(f"reference to a message never received: {msg.ref_hash}")
                    continue
                msg = self.cache[msg.ref_hash]
                kind = msg.WhichOneof("type")
            elif msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = msg
            if kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    run.problems.append("script failed to compile")
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return run
            elif kind == "page_info_changed":
                run.query_string = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                which = element.WhichOneof("type")
                body = getattr(element, which) if which else None
                widget_id = getattr(body, "id", "") if body is not None else ""
                if widget_id.startswith("$$ID-"):
                    self.widgets_key(run, widget_id)
                    if msg.delta.fragment_id:
                        run.fragments[widget_id] = msg.delta.fragment_id
                if which == "exception":
                    run.problems.append(f"exception: {element.exception.message[:200]}")
                elif which == "alert" and element.alert.format == Alert.ERROR:
                    run.problems.append(f"error box: {element.alert.body[:200]}")
                elif which == "text":
                    run.texts.append(element.text.body)

    @staticmethod
    def widgets_key(run: Run, widget_id: str) -> None:
        # "$$ID-<hash>-<user key>": the key a page gave the widget, or "None".
        key = widget_id.split("-", 2)[2]
        if key != "None":
            run.widgets[key] = widget_id
