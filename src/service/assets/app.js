// depict's page: plan a prompt (who is drawn and why, or the refusal and its reasons), then
// generate it as a job, watch its progress and see each image with its cast. Every server or
// user string goes into the page as text, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY_STORE = "depict.apiKey";
const DIMS = ["gender", "ethnicity", "age"];
const SOURCES = {
  open: "nothing fixes it: varied across the images",
  explicit: "the prompt says so",
  identity: "a named person, drawn as themselves",
  context: "fixed by era, place, institution or role",
};

let job = null;        // {id, started: ms} while a job runs
let shownPlan = null;  // {ask: "prompt/images/seed" it answers, plan}

// ---- small DOM helpers ----
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child != null) node.append(child);  // strings become text nodes
  }
  return node;
}

function show(id, visible) { $(id).hidden = !visible; }

function say(text) {
  $("message").textContent = text || "";
  show("message", Boolean(text));
}

// ---- the API ----
class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

function errorText(status, body, retryAfter) {
  const e = (body && body.error) || {};
  const said = typeof e === "string" ? e : (e.message || "");
  switch (status) {
    case 401:
      return "The API key was not accepted (401 Unauthorized): " +
             (said || "a valid API key is required") + ". Check the API key field.";
    case 429:
      return "Too many requests (429): " + (said || "the server is busy") +
             (retryAfter ? ". Try again in " + retryAfter + " s." : ".");
    case 400:
      return "The request was rejected (400): " + (said || "bad request") + ".";
    case 404:
      return "Not found (404): " + (said || "no such thing") + ".";
    case 413:
      return "The request is too large (413).";
    default:
      return "The server failed (" + status + "): " + (said || "no details") + ".";
  }
}

async function api(method, path, body) {
  const headers = {};
  const key = $("key").value.trim();
  if (key) headers.Authorization = "Bearer " + key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    // credentials "omit": the server's 401 names a Basic realm (for A1111 clients), which would
    // otherwise make the browser pop up its own login dialog over the page.
    res = await fetch(path, {method, headers, credentials: "omit", cache: "no-store",
                             body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (err) {
    throw new ApiError("Cannot reach the server: " + err.message, 0, null);
  }
  if (path.endsWith("/events") && res.ok) return res;
  let data = null;
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) {
    throw new ApiError(errorText(res.status, data, res.headers.get("Retry-After")),
                       res.status, data);
  }
  return data;
}

// ---- the request the form describes ----
function intField(id, min, max, name) {
  const text = $(id).value.trim();
  const n = Number(text);
  if (text === "" || !Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(name + " must be a whole number from " + min + " to " + max + ".", 0);
  }
  return n;
}

function readForm() {
  const prompt = $("prompt").value;
  if (!prompt.trim()) throw new ApiError("Type a prompt first.", 0);
  if ($("seed").value.trim() === "") {
    // Chosen here so that the plan shown and the images generated use the same seed.
    $("seed").value = String(Math.floor(Math.random() * 2 ** 31));
  }
  return {
    prompt,
    images: intField("images", 1, 8, "Images"),
    seed: intField("seed", 0, Number.MAX_SAFE_INTEGER, "Seed"),
    width: intField("width", 64, 2048, "Width"),
    height: intField("height", 64, 2048, "Height"),
    steps: intField("steps", 1, 150, "Steps"),
  };
}

// ---- showing casts ----
const words = (name) => String(name).replace(/_/g, " ");

function memberText(member) {
  if (!member) return "not cast";
  const values = DIMS.map((d) => member[d]).filter((v) => v != null).map(words);
  return values.length ? values.join(", ") : "drawn as themselves";
}

// One person's cast in one image: a member, a list of members (a group), or null.
function castText(entry) {
  if (Array.isArray(entry)) {
    return "group of " + entry.length + ": " + entry.map(memberText).join("; ");
  }
  return memberText(entry);
}

function castList(people, cast) {
  const list = el("ol", {class: "cast"});
  (cast || []).forEach((entry, i) => {
    const who = people[i] ? people[i].text : "person " + (i + 1);
    list.append(el("li", {}, el("span", {class: "who", text: who}), ": " + castText(entry)));
  });
  return list;
}

// A slice of `prompt` by the planner's byte offsets (UTF-8).
function byteSlice(bytes, start, end) {
  return new TextDecoder().decode(bytes.subarray(start, end));
}

// The prompt with each person's span marked.
function markedPrompt(prompt, people) {
  const bytes = new TextEncoder().encode(prompt);
  const out = el("p", {class: "marked-prompt"});
  const spans = people.map((p, i) => ({start: p.start, end: p.end, i}))
                      .sort((a, b) => a.start - b.start);
  let at = 0;
  for (const s of spans) {
    if (s.start < at || s.end > bytes.length || s.end < s.start) continue;  // overlap: skip
    out.append(byteSlice(bytes, at, s.start));
    out.append(el("mark", {title: "person " + (s.i + 1)}, byteSlice(bytes, s.start, s.end),
                  el("sup", {text: String(s.i + 1)})));
    at = s.end;
  }
  out.append(byteSlice(bytes, at, bytes.length));
  return out;
}

function personView(person, bytes) {
  const flags = [];
  if (person.named) flags.push("named");
  if (person.group) flags.push("group");
  if (person.members > 1) flags.push(person.members + " people");
  const head = el("h4", {},
                  el("q", {class: "person-text", text: person.text}),
                  el("span", {class: "span",
                              text: " bytes " + person.start + "–" + person.end + ' ("' +
                                    byteSlice(bytes, person.start, person.end) + '")' +
                                    (flags.length ? "; " + flags.join(", ") : "")}));
  const table = el("table", {class: "attributes"},
                   el("caption", {text: "What is fixed for " + person.text + ", and by what"}),
                   el("thead", {}, el("tr", {},
                      ...["Attribute", "Source", "Values", "Reason"].map(
                          (h) => el("th", {scope: "col", text: h})))));
  const body = el("tbody");
  for (const dim of DIMS) {
    const a = (person.attributes || {})[dim] || {};
    body.append(el("tr", {"data-dim": dim},
                   el("th", {scope: "row", text: dim}),
                   el("td", {class: "source " + (a.source || "")},
                      el("strong", {text: a.source || "?"}),
                      el("small", {text: " " + (SOURCES[a.source] || "")})),
                   el("td", {class: "values",
                             text: (a.values || []).map(words).join(", ") || "none added"}),
                   el("td", {class: "reason", text: a.reason || ""})));
  }
  table.append(body);
  return el("li", {class: "person"}, head, table);
}

function showPlan(plan) {
  const body = $("plan-body");
  body.replaceChildren();
  show("plan", true);
  if (plan.decision === "refuse") {
    showRefusal(plan.refusal || {});
    return;
  }
  $("decision").className = "generate";
  $("decision").textContent = "Decision: generate. " +
      (plan.people.length ? plan.people.length + " person(s) or group(s) found."
                          : "No people found: the prompt is used as written.");
  if (plan.language && plan.language !== "en") {
    body.append(el("p", {text: "Language: " + plan.language + "; read as: " + plan.reading}));
  }
  if (plan.negative_prompt) {
    body.append(el("p", {text: "Negative prompt: " + plan.negative_prompt}));
  }
  const bytes = new TextEncoder().encode(plan.prompt);
  if (plan.people.length) {
    body.append(el("h3", {text: "People"}), markedPrompt(plan.prompt, plan.people),
                el("ol", {class: "people"}, ...plan.people.map((p) => personView(p, bytes))));
  }
  body.append(el("h3", {text: "Per image: the prompt the model will read"}));
  const list = el("ol", {class: "image-plans"});
  for (const image of plan.images) {
    list.append(el("li", {class: "image-plan"},
                   el("span", {class: "seed", text: "seed " + image.seed}),
                   el("p", {class: "cast-prompt", text: image.prompt}),
                   image.display_prompt ? el("p", {text: "(" + image.display_prompt + ")"}) : null,
                   castList(plan.people, image.cast)));
  }
  body.append(list);
}

// A refusal, from a plan ({category, clause, message, triggers, person, act}) or a 400.
function showRefusal(r) {
  show("plan", true);
  $("decision").className = "refuse";
  $("decision").textContent = "Decision: refuse. Nothing will be generated.";
  const rows = [["Category", "category", r.category], ["Policy clause", "clause", r.clause],
                ["Reason", "refusal-message", r.message],
                ["Person the rule needed", "person", r.person], ["Act or topic", "act", r.act]];
  const dl = el("dl", {class: "refusal"});
  for (const [label, cls, value] of rows) {
    if (value) dl.append(el("dt", {text: label}), el("dd", {class: cls, text: value}));
  }
  dl.append(el("dt", {text: "Trigger words"}),
            el("dd", {}, el("ul", {class: "triggers"},
                            ...(r.triggers || []).map((t) => el("li", {text: t})))));
  $("plan-body").replaceChildren(dl);
}

// ---- planning ----
async function plan(ask) {
  const key = JSON.stringify([ask.prompt, ask.images, ask.seed]);
  if (shownPlan && shownPlan.ask === key) return shownPlan.plan;
  shownPlan = null;
  // Nothing from an earlier question stays beside the new one.
  ["plan", "progress", "results"].forEach((id) => show(id, false));
  const planned = await api("POST", "/v1/plan",
                            {prompt: ask.prompt, images: ask.images, seed: ask.seed});
  shownPlan = {ask: key, plan: planned};
  showPlan(planned);
  return planned;
}

// ---- jobs ----
function progressText(s) {
  if (s.status === "queued") {
    return "Queued: " + (s.queue_position ? s.queue_position + " job(s) ahead." : "next in line.");
  }
  const where = "image " + Math.min(s.image + 1, s.images) + " of " + s.images +
                ", step " + s.step + " of " + s.steps;
  if (s.status === "running") {
    const eta = s.eta_seconds != null ? ", about " + Math.ceil(s.eta_seconds) + " s left" : "";
    return "Running: " + where + eta + ".";
  }
  const took = job ? " in " + ((Date.now() - job.started) / 1000).toFixed(1) + " s" : "";
  if (s.status === "completed") return "Completed" + took + ": " + s.images + " image(s).";
  if (s.status === "cancelled") return "Cancelled" + took + " at " + where + ".";
  return "Failed: " + (s.error || "unknown error") + ".";
}

function showStatus(s) {
  const total = Math.max(1, s.images * s.steps);
  $("progress-bar").value = s.status === "completed" ? 1 : (s.image * s.steps + s.step) / total;
  $("progress-text").textContent = progressText(s);
  show("progress", true);
}

function showImages(images) {
  const gallery = $("gallery");
  gallery.replaceChildren();
  images.forEach((image, i) => {
    const cast = image.cast || {};
    const people = cast.people || [];
    gallery.append(el("figure", {class: "result"},
        el("img", {src: "data:image/png;base64," + image.b64_png,
                   alt: "Image " + (i + 1) + ": " + image.prompt}),
        el("figcaption", {},
           el("span", {class: "seed", text: "Image " + (i + 1) + ", seed " + image.seed}),
           el("p", {class: "cast-prompt", text: image.prompt}),
           castList(people, (cast.image || {}).cast))));
  });
  show("results", images.length > 0);
}

// Reads the job's Server-Sent Events until its last one; returns that status.
async function follow(id) {
  const res = await api("GET", "/v1/jobs/" + id + "/events");
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (!data) continue;  // a keep-alive comment
      const status = JSON.parse(data);
      showStatus(status);
      if (event !== "progress") {
        reader.cancel().catch(() => {});
        return status;
      }
    }
  }
  return poll(id);  // the stream ended early
}

// Asks for the job every half second until it is over; returns its last status.
async function poll(id) {
  for (;;) {
    const status = await api("GET", "/v1/jobs/" + id);
    showStatus(status);
    if (status.status !== "queued" && status.status !== "running") return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function generate() {
  const ask = readForm();
  const planned = await plan(ask);
  if (planned.decision === "refuse") {
    say("Not generated: the prompt was refused (see the plan).");
    return;
  }
  show("results", false);
  let queued;
  try {
    queued = await api("POST", "/v1/jobs", {prompt: ask.prompt, n: ask.images, seed: ask.seed,
                                            width: ask.width, height: ask.height,
                                            steps: ask.steps});
  } catch (err) {
    const e = err.body && err.body.error;
    if (e && e.type === "refused") {
      shownPlan = null;
      showRefusal(e);
      say("Not generated: the server refused the prompt.");
      return;
    }
    throw err;
  }
  job = {id: queued.id, started: Date.now()};
  $("job-id").textContent = "Job " + job.id;
  $("cancel-btn").disabled = false;
  showStatus({status: "queued", image: 0, images: ask.images, step: 0, steps: ask.steps});
  try {
    // The event stream, or polling where the stream cannot be read (a proxy, a lost line).
    const last = await follow(job.id).catch((err) => {
      if (err.status === 401 || err.status === 404) throw err;
      return poll(job.id);
    });
    showStatus(last);
    showImages((last.result && last.result.images) || []);
    if (last.status === "failed") say("The job failed: " + (last.error || "unknown error") + ".");
  } finally {
    job = null;
    $("cancel-btn").disabled = true;
  }
}

async function cancel() {
  if (!job) return;
  $("cancel-btn").disabled = true;
  $("progress-text").textContent = "Cancelling after the current step…";
  await api("DELETE", "/v1/jobs/" + job.id);  // the stream then ends with "cancelled"
}

// Runs a button's action with the form locked and any error shown in words.
function action(fn, busyText) {
  return async (event) => {
    if (event) event.preventDefault();
    say("");
    const buttons = [$("plan-btn"), $("generate-btn")];
    buttons.forEach((b) => { b.disabled = true; });
    document.body.setAttribute("aria-busy", "true");
    $("request").dataset.state = busyText;
    try {
      await fn();
    } catch (err) {
      say(err.message);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      document.body.removeAttribute("aria-busy");
      $("request").dataset.state = "idle";
    }
  };
}

document.addEventListener("DOMContentLoaded", () => {
  $("key").value = sessionStorage.getItem(KEY_STORE) || "";
  $("key").addEventListener("input", () => {
    const key = $("key").value.trim();
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
  });
  $("request").addEventListener("submit", action(async () => {
    shownPlan = null;  // Plan always asks again
    await plan(readForm());
  }, "planning"));
  $("generate-btn").addEventListener("click", action(generate, "generating"));
  $("cancel-btn").addEventListener("click", () => cancel().catch((err) => say(err.message)));
  $("request").dataset.state = "idle";
});
