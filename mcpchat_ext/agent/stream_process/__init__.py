"""Model reply streams read in a process of their own (the stream process).

With 100 chats streaming at once, reading the replies (HTTP, server-sent events, JSON) was the
largest share of the Jupyter server process's CPU, and all of its threads share one GIL: every
first token and every websocket frame waited for it (issue 12, benchmarks/README.md). The stream
process sends the chat-completions requests with the openai SDK (its retries, headers and errors),
reads the streams, parses and checks each chunk, joins the text of each 25 ms window (the first
text goes at once; a slow stream is read once per window), and hands the chunks back over a pipe,
one JSON line per stream and window; the server process only parses those lines.

- ``wire``: the frames both ways; ``errors``: an SDK error across the pipe and back.
- ``worker``: the process itself (``python -P -m mcpchat_ext.agent.stream_process.worker``).
- ``client``: the server side, on the stream thread (agent/stream_thread.py): start, requests,
  cancel, and a worker that fails to start or dies mid-reply.
"""
