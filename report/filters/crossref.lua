--[[
crossref.lua: Quarto-style cross-references and callouts for the embedded engine
(pandoc + typst), so that the same .qmd renders with the same numbering as `quarto render`.

  * Figures `{#fig-x}` and tables `{#tbl-x}` are numbered in document order and their
    captions start with "Figure 1: " / "Table 1: ".
  * Headers are numbered 1, 1.1, ... (unless `.unnumbered`) when the metadata field
    `number-sections` is true; `{#sec-x}` headers can be referenced either way.
  * `@fig-x`, `@tbl-x`, `@sec-x` become links "Figure 1", "Table 1", "Section 2.1";
    `[-@fig-x]` gives the bare number. Unknown references stop the render with an error.
  * `::: {.callout-*}` divs become a boxed notice in HTML, typst and DOCX.

Also accepted: Quarto figure and table divs (`::: {#fig-x}` ... caption as last paragraph),
`.content-visible` / `.content-hidden` divs with `when-format` / `unless-format`, and the
`{{< pagebreak >}}` shortcode.
]]

local PREFIX = { fig = "Figure", tbl = "Table", sec = "Section" }
local CALLOUT_TITLE = {
  note = "Note", tip = "Tip", warning = "Warning", caution = "Caution", important = "Important",
}

local labels = {}          -- id -> "Figure 1", "Table 2", "Section 3.1" parts
local unknown = {}         -- ids cited but never defined, in order of first use
local number_sections = false
local has_bibliography = false
local uncitable = {}       -- bibliographic citations in a document without a bibliography

local function kind_of(id)
  return id and id:match("^(%a+)%-") or nil
end

local function is_crossref(id)
  return PREFIX[kind_of(id)] ~= nil
end

-- Put "Figure 1: " in front of a caption (a list of blocks).
local function prefix_caption(caption_blocks, text)
  local lead = { pandoc.Str(text .. ":"), pandoc.Space() }
  if #caption_blocks == 0 then
    return { pandoc.Plain(lead) }
  end
  local first = caption_blocks[1]
  if first.t == "Plain" or first.t == "Para" then
    first.content = lead .. first.content
  else
    caption_blocks:insert(1, pandoc.Plain(lead))
  end
  return caption_blocks
end

------------------------------------------------------------------ callouts

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind then return kind end
  end
  return nil
end

-- The title comes from `title="..."` or from a leading header inside the callout.
local function split_callout(div, kind)
  local body = div.content:clone()
  local title
  if div.attributes.title then
    title = pandoc.Inlines(div.attributes.title)
  elseif #body > 0 and body[1].t == "Header" then
    title = body[1].content
    body:remove(1)
  else
    title = pandoc.Inlines(CALLOUT_TITLE[kind] or "Note")
  end
  return title, body
end

local function to_typst(inlines)
  return pandoc.write(pandoc.Pandoc({ pandoc.Plain(inlines) }), "typst"):gsub("%s+$", "")
end

local function render_callout(div)
  local kind = callout_kind(div)
  if not kind then return nil end
  local title, body = split_callout(div, kind)
  if FORMAT == "typst" then
    local blocks = pandoc.Blocks({
      pandoc.RawBlock("typst",
        string.format('#callout(kind: "%s", title: [%s])[', kind, to_typst(title))),
    })
    blocks:extend(body)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  elseif FORMAT == "docx" then
    -- Paragraph styles "Callout Title" / "Callout" (bordered, shaded) live in the reference doc.
    local blocks = pandoc.Blocks({
      pandoc.Div(pandoc.Para(pandoc.Strong(title)), { ["custom-style"] = "Callout Title" }),
    })
    blocks:insert(pandoc.Div(body, { ["custom-style"] = "Callout" }))
    return blocks
  else
    local header = pandoc.Div(pandoc.Plain(title), { class = "callout-title" })
    local content = pandoc.Div(body, { class = "callout-body" })
    return pandoc.Div({ header, content },
      { id = div.identifier, class = "callout callout-" .. kind, role = "note" })
  end
end

------------------------------------------ conditional content and page breaks

-- Our formats under Quarto's names: `when-format="pdf"` means the (typst) PDF here.
local QUARTO_NAMES = { html = { "html", "html5" }, html5 = { "html", "html5" },
  typst = { "typst", "pdf" }, docx = { "docx" } }

local function matches_format(name)
  return pandoc.List(QUARTO_NAMES[FORMAT] or { FORMAT }):includes(name)
end

-- `.content-visible` / `.content-hidden` with `when-format` / `unless-format`.
local function conditional_content(div)
  local visible = div.classes:includes("content-visible")
  if not visible and not div.classes:includes("content-hidden") then return nil end
  local when, unless = div.attributes["when-format"], div.attributes["unless-format"]
  local selected = true  -- no condition: always selected
  if when then selected = matches_format(when) end
  if unless then selected = selected and not matches_format(unless) end
  if selected == visible then return div.content end
  return {}
end

local PAGEBREAK = {
  typst = pandoc.RawBlock("typst", "#pagebreak()"),
  docx = pandoc.RawBlock("openxml", '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'),
  html = pandoc.RawBlock("html", '<div style="page-break-after: always;"></div>'),
}

-- The shortcode `{{< pagebreak >}}` on a line of its own.
local function pagebreak(para)
  if pandoc.utils.stringify(para):match("^{{<%s*pagebreak%s*>}}$") then
    return PAGEBREAK[FORMAT] or PAGEBREAK.html
  end
  return nil
end

------------------------------------------------------- Quarto figure/table divs

-- `::: {#fig-x}` with content and a last paragraph as caption -> a pandoc Figure;
-- `::: {#tbl-x}` around a table -> the table gets the id (and the caption if it has none).
local function div_to_float(div)
  local kind = kind_of(div.identifier)
  if kind ~= "fig" and kind ~= "tbl" then return nil end
  local content = div.content:clone()
  local last = content[#content]
  local caption = {}
  if #content > 1 and last.t == "Para" then
    caption = { pandoc.Plain(last.content) }
    content:remove(#content)
  end
  if kind == "fig" then
    return pandoc.Figure(content, caption, { id = div.identifier })
  end
  for _, block in ipairs(content) do
    if block.t == "Table" then
      block.identifier = div.identifier
      if #block.caption.long == 0 then block.caption.long = caption end
      return block
    end
  end
  return nil
end

------------------------------------------------------------------ numbering

local counters = { fig = 0, tbl = 0 }
local section_counts = {}

local function section_number(level)
  section_counts[level] = (section_counts[level] or 0) + 1
  for deeper = level + 1, #section_counts do section_counts[deeper] = nil end
  local parts = {}
  for i = 1, level do parts[i] = tostring(section_counts[i] or 0) end
  return table.concat(parts, ".")
end

local function number_float(element, kind)
  if kind_of(element.identifier) ~= kind then return nil end
  if labels[element.identifier] then
    error("crossref: duplicate label #" .. element.identifier)
  end
  counters[kind] = counters[kind] + 1
  local text = PREFIX[kind] .. " " .. counters[kind]
  labels[element.identifier] = { prefix = PREFIX[kind], number = tostring(counters[kind]) }
  element.caption.long = prefix_caption(element.caption.long, text)
  return element
end

local function section_label(number)
  if FORMAT == "typst" then
    return pandoc.RawInline("typst", number .. "#h(0.6em)")
  end
  return pandoc.Span(pandoc.Str(number), { class = "header-section-number" })
end

local function number_header(header)
  if header.classes:includes("unnumbered") then
    if kind_of(header.identifier) == "sec" then
      labels[header.identifier] = { prefix = PREFIX.sec, number = "" }
    end
    return nil
  end
  local number = section_number(header.level)
  if kind_of(header.identifier) == "sec" then
    labels[header.identifier] = { prefix = PREFIX.sec, number = number }
  end
  if number_sections then
    header.content = pandoc.Inlines({ section_label(number), pandoc.Space() }) .. header.content
  end
  return header
end

-- Word and LibreOffice squeeze auto-width columns badly: in DOCX give each column a width
-- from its longest cell (headers may wrap between words), as a share of the text width.
local DOCX_CHARS_PER_LINE = 80  -- 9 pt characters (with margin) that fit the text width

local function longest_word(text)
  local longest = 0
  for word in text:gmatch("%S+") do longest = math.max(longest, utf8.len(word) or #word) end
  return longest
end

local function docx_column_widths(tbl)
  if FORMAT ~= "docx" then return nil end
  local chars = {}
  for i = 1, #tbl.colspecs do chars[i] = 1 end
  local function measure(rows, whole_text)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        local text = pandoc.utils.stringify(cell.contents)
        local length = whole_text and (utf8.len(text) or #text) or longest_word(text)
        if i <= #chars then chars[i] = math.max(chars[i], length) end
      end
    end
  end
  measure(tbl.head.rows, false)
  for _, body in ipairs(tbl.bodies) do measure(body.body, true) end
  local total = 0
  for i = 1, #chars do chars[i] = chars[i] + 4; total = total + chars[i] end  -- + cell padding
  local scale = 1 / math.max(total, DOCX_CHARS_PER_LINE)
  for i, spec in ipairs(tbl.colspecs) do tbl.colspecs[i] = { spec[1], chars[i] * scale } end
  return tbl
end

------------------------------------------------------------------ references

local function reference_text(citation)
  local label = labels[citation.id]
  if citation.mode == "SuppressAuthor" then return label.number end
  if label.number == "" then return label.prefix end
  return label.prefix .. " " .. label.number
end

local function note_once(list, id)
  if not list[id] then
    list[id] = true
    table.insert(list, id)
  end
end

local function resolve_cite(cite)
  if not is_crossref(cite.citations[1].id) then
    if not has_bibliography then note_once(uncitable, cite.citations[1].id) end
    return nil
  end
  local out = pandoc.Inlines({})
  for i, citation in ipairs(cite.citations) do
    if not labels[citation.id] then
      note_once(unknown, citation.id)
    else
      if i > 1 then out:extend({ pandoc.Str(","), pandoc.Space() }) end
      if #citation.prefix > 0 then out:extend(citation.prefix .. { pandoc.Space() }) end
      out:insert(pandoc.Link(reference_text(citation), "#" .. citation.id))
      out:extend(citation.suffix)
    end
  end
  return out
end

local function at_ids(ids)
  local refs = {}
  for _, id in ipairs(ids) do table.insert(refs, "@" .. id) end
  return table.concat(refs, ", ")
end

local function fail_on_unknown(doc)
  if #unknown > 0 then
    error("crossref: unknown reference(s): " .. at_ids(unknown)
      .. " (no figure, table or section with that id)")
  end
  if #uncitable > 0 then
    error("crossref: citation(s) " .. at_ids(uncitable)
      .. " but the document has no bibliography (and they are no fig-/tbl-/sec- labels)")
  end
  return doc
end

------------------------------------------------------------------ metadata

local function read_options(meta)
  number_sections = meta["number-sections"] == true
    or pandoc.utils.stringify(meta["number-sections"] or "") == "true"
  has_bibliography = meta.bibliography ~= nil or meta.references ~= nil
end

-- Quarto also writes `affiliations:` (a list of names or of maps with `name`); the templates
-- read one `affiliation` text per author.
local function normalise_authors(meta)
  if not meta.author then return end
  if pandoc.utils.type(meta.author) ~= "List" then meta.author = pandoc.List({ meta.author }) end
  for _, author in ipairs(meta.author) do
    if type(author) == "table" and author.affiliations and not author.affiliation then
      local names = {}
      for _, affiliation in ipairs(author.affiliations) do
        table.insert(names, pandoc.utils.stringify(affiliation.name or affiliation))
      end
      author.affiliation = pandoc.MetaInlines(pandoc.Inlines(table.concat(names, "; ")))
    end
  end
end

-- DOCX has no affiliation field: write "Name, Affiliation" and add keywords to the abstract.
local function docx_metadata(meta)
  if FORMAT ~= "docx" then return nil end
  if meta.author then
    local authors = pandoc.List({})
    for _, author in ipairs(meta.author) do
      if type(author) == "table" and author.name then
        local text = pandoc.Inlines(author.name)
        if author.affiliation then
          text:extend({ pandoc.Str(","), pandoc.Space() })
          text:extend(pandoc.Inlines(author.affiliation))
        end
        authors:insert(pandoc.MetaInlines(text))
      else
        authors:insert(author)
      end
    end
    meta.author = authors
  end
  if meta.abstract and meta.keywords then
    local words = {}
    for _, word in ipairs(meta.keywords) do table.insert(words, pandoc.utils.stringify(word)) end
    local abstract = pandoc.Blocks(meta.abstract)
    abstract:insert(pandoc.Para({ pandoc.Strong("Keywords:"), pandoc.Space(),
      pandoc.Str(table.concat(words, "; ")) }))
    meta.abstract = pandoc.MetaBlocks(abstract)
  end
  return meta
end

return {
  { Meta = function(meta)
      read_options(meta)
      normalise_authors(meta)
      return docx_metadata(meta) or meta
    end },
  -- Callouts first, so a callout's own "## Title" is not counted as a section.
  { Div = conditional_content, Para = pagebreak },
  { Div = function(div) return render_callout(div) or div_to_float(div) end },
  { traverse = "topdown",
    Figure = function(fig) return number_float(fig, "fig") end,
    Table = function(tbl)
      local numbered = number_float(tbl, "tbl") or tbl
      return docx_column_widths(numbered) or numbered
    end,
    Header = number_header },
  { Cite = resolve_cite, Pandoc = fail_on_unknown },
}
