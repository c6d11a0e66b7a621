// The editor page: paste an article, see its tags and summary, send a correction.
// Plain browser JavaScript, no build step. Article text is only ever inserted with
// textContent (never innerHTML): the page shows untrusted text.
"use strict";

const $ = (id) => document.getElementById(id);
let taxonomy = { topics: [], campaigns: [] };
let last = null; // { request, response } of the latest analysis

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["X-API-Key"] = key;
  return h;
}

async function call(method, path, body) {
  const resp = await fetch(path, {
    method,
    headers: headers(),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await resp.json();
  } catch (e) {
    data = null;
  }
  if (!resp.ok) {
    const message = data && data.error ? data.error.message : `HTTP ${resp.status}`;
    throw new Error(message);
  }
  return data;
}

function showError(message) {
  const el = $("error");
  el.textContent = message;
  el.hidden = !message;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function pct(score) {
  return `${Math.round(score * 100)}%`;
}

async function loadModels() {
  try {
    const info = await call("GET", "/v1/models");
    taxonomy = info.taxonomy;
    const m = info.model;
    $("model-info").textContent = `mô hình ${m.name} ${m.version} (${m.kind}), tóm tắt ${info.summarizer.scorer}`;
  } catch (e) {
    $("model-info").textContent = `không tải được thông tin mô hình: ${e.message}`;
  }
}

function renderTopic(topic) {
  $("topic").textContent = `${topic.name} (${topic.label})`;
  $("topic").appendChild(el("span", pct(topic.score), "score"));
  const ranking = $("ranking");
  ranking.replaceChildren();
  for (const t of topic.ranking.slice(1, 4)) {
    const li = el("li", t.name);
    li.appendChild(el("span", pct(t.score), "score"));
    ranking.appendChild(li);
  }
}

// Campaigns the article reports on, and (apart) those it only names in passing; each with
// its evidence sentences listed, since a hover does not exist on phones.
function renderCampaigns(listId, emptyId, campaigns) {
  const list = $(listId);
  list.replaceChildren();
  $(emptyId).hidden = campaigns.length > 0;
  for (const c of campaigns) {
    const li = el("li");
    li.dataset.campaign = c.id;
    li.appendChild(el("strong", c.name));
    li.appendChild(el("span", pct(c.score), "score"));
    const evidence = el("ul", undefined, "evidence-list");
    for (const text of c.evidence) evidence.appendChild(el("li", text));
    li.appendChild(evidence);
    li.addEventListener("mouseenter", () => focusCampaign(c.id, true));
    li.addEventListener("mouseleave", () => focusCampaign(c.id, false));
    list.appendChild(li);
  }
}

function focusCampaign(id, on) {
  for (const s of document.querySelectorAll("#article .sentence.evidence")) {
    const ids = (s.dataset.campaigns || "").split(" ");
    s.classList.toggle("active", on && ids.includes(id));
  }
}

// Mark the sentences the models point at: campaign evidence (sentence texts, possibly the
// title) and summary sentences (body indices).
function renderArticle(result) {
  const evidence = new Map(); // sentence text → campaign ids
  for (const c of result.campaigns) {
    for (const text of c.evidence) {
      if (!evidence.has(text)) evidence.set(text, []);
      evidence.get(text).push(c.id);
    }
  }
  const chosen = new Set(result.sentences.map((s) => s.index));
  const mark = (node, text) => {
    if (evidence.has(text)) {
      node.classList.add("evidence");
      node.dataset.campaigns = evidence.get(text).join(" ");
    }
  };
  const article = $("article");
  article.replaceChildren();
  const doc = result.document;
  if (doc.title) {
    const h = el("h3");
    const span = el("span", doc.title, "sentence title");
    mark(span, doc.title);
    h.appendChild(span);
    article.appendChild(h);
  }
  let paragraph = null;
  let current = -1;
  for (const s of doc.sentences) {
    if (s.paragraph !== current) {
      paragraph = el("p");
      article.appendChild(paragraph);
      current = s.paragraph;
    } else {
      paragraph.appendChild(document.createTextNode(" "));
    }
    const span = el("span", s.text, "sentence");
    span.dataset.index = s.index;
    mark(span, s.text);
    if (chosen.has(s.index)) span.classList.add("summary");
    paragraph.appendChild(span);
  }
}

function renderCorrection(result) {
  const select = $("correct-topic");
  select.replaceChildren();
  for (const t of taxonomy.topics) {
    const opt = el("option", `${t.name} (${t.id})`);
    opt.value = t.id;
    opt.selected = t.id === result.topic.label;
    select.appendChild(opt);
  }
  const box = $("correct-campaigns");
  for (const old of box.querySelectorAll("label")) old.remove();
  const predicted = new Set(result.campaigns.map((c) => c.id));
  for (const c of taxonomy.campaigns) {
    const label = el("label");
    const input = el("input");
    input.type = "checkbox";
    input.value = c.id;
    input.checked = predicted.has(c.id);
    label.appendChild(input);
    label.appendChild(document.createTextNode(` ${c.name}`));
    label.title = c.description;
    box.appendChild(label);
  }
  $("note").value = "";
  $("feedback-status").textContent = "";
  $("feedback-status").className = "";
}

async function analyze() {
  showError("");
  const request = {
    title: $("title").value.trim() || null,
    text: $("text").value,
    sentences: Number($("sentences").value) || 3,
    include_document: true,
  };
  $("analyze").disabled = true;
  try {
    const response = await call("POST", "/v1/analyze", request);
    if (!taxonomy.topics.length) await loadModels(); // e.g. the API key was typed after load
    last = { request, response };
    renderTopic(response.topic);
    renderCampaigns("campaigns", "no-campaigns", response.campaigns);
    renderCampaigns("mentions", "no-mentions", response.mentions || []);
    $("summary").textContent = response.summary;
    renderArticle(response);
    renderCorrection(response);
    $("result").hidden = false;
    document.body.dataset.state = "analyzed";
  } catch (e) {
    showError(e.message);
    document.body.dataset.state = "error";
  } finally {
    $("analyze").disabled = false;
  }
}

async function sendFeedback() {
  if (!last) return;
  const status = $("feedback-status");
  const campaigns = [...document.querySelectorAll("#correct-campaigns input:checked")].map((i) => i.value);
  const body = {
    title: last.request.title,
    text: last.request.text,
    predicted: { topic: last.response.topic.label, campaigns: last.response.campaigns.map((c) => c.id) },
    corrected: { topic: $("correct-topic").value, campaigns },
    note: $("note").value.trim() || null,
  };
  $("send-feedback").disabled = true;
  try {
    const saved = await call("POST", "/v1/feedback", body);
    status.textContent = `Đã lưu chỉnh sửa #${saved.id}. Cảm ơn!`;
    status.className = "ok";
    status.dataset.feedbackId = saved.id;
  } catch (e) {
    status.textContent = `Không lưu được: ${e.message}`;
    status.className = "fail";
  } finally {
    $("send-feedback").disabled = false;
  }
}

$("analyze").addEventListener("click", analyze);
$("send-feedback").addEventListener("click", sendFeedback);
$("text").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyze();
});
loadModels();
