package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/template"
)

// Chart geometry, in SVG user units (pixels).
const (
	barW       = 36  // width of one bar
	barGap     = 4   // between bars of a group
	groupPad   = 36  // around a group
	marginL    = 64  // left of the plots, for the axis labels
	marginR    = 16  // right of the plots
	plotH      = 200 // height of a plot
	lineH      = 15  // one line of small text
	minWidth   = 640 // the chart is never narrower
	headerH    = 80  // title and two lines of subtitle
	panelTopH  = 40  // panel title and room for the value labels above the tallest bar
	panelGapH  = 20  // below the group labels of a panel
	legendRowH = 18
)

// palette holds the bar colours, one per target in order (Tableau 10).
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"}

// WriteSVG draws the report as a grouped bar chart of ops/s: one panel per pipeline depth (their
// scales differ by an order of magnitude), one group of bars per workload and client count, one
// bar per target, labelled with its value; under each group, each target's ratio to the baseline.
func WriteSVG(w io.Writer, r *Report) error {
	var buf bytes.Buffer
	if err := svgTemplate.Execute(&buf, layout(r)); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type svgDoc struct {
	W, H         int
	Title        string
	Sub1, Sub2   string
	Legend       []svgText
	LegendSwatch []svgRect
	Panels       []svgPanel
}

type svgPanel struct {
	Title          svgText
	X0, X1, Y0, Y1 float64 // plot area: left, right, top, bottom
	Ticks          []svgTick
	Bars           []svgRect
	Values         []svgText
	Labels         []svgText
}

type svgTick struct {
	Y     float64
	Label string
}

type svgRect struct {
	X, Y, W, H float64
	Color      string
	Tooltip    string
}

type svgText struct {
	X, Y   float64
	Text   string
	Color  string
	Bold   bool
	Anchor string
}

// group is the rows of one workload and client count in one panel, one per target.
type group struct {
	key  Key
	rows map[string]Row
}

func layout(r *Report) svgDoc {
	targets := make([]string, len(r.Targets))
	color := map[string]string{}
	for i, t := range r.Targets {
		targets[i] = t.Name
		color[t.Name] = palette[i%len(palette)]
	}
	// Targets present in rows but not described still get a bar.
	for _, row := range r.Rows {
		if _, ok := color[row.Target]; !ok {
			color[row.Target] = palette[len(targets)%len(palette)]
			targets = append(targets, row.Target)
		}
	}
	// Panels by pipeline depth, in order of first appearance; groups likewise.
	var depths []int
	panels := map[int][]*group{}
	for _, row := range r.Rows {
		k := row.Key
		gs, ok := panels[k.Pipeline]
		if !ok {
			depths = append(depths, k.Pipeline)
		}
		var g *group
		for _, cand := range gs {
			if cand.key == k {
				g = cand
			}
		}
		if g == nil {
			g = &group{key: k, rows: map[string]Row{}}
			panels[k.Pipeline] = append(gs, g)
		}
		g.rows[row.Target] = row
	}
	maxGroups := 1
	for _, gs := range panels {
		maxGroups = max(maxGroups, len(gs))
	}
	nT := max(1, len(targets))
	groupW := float64(nT*barW + (nT-1)*barGap + groupPad)

	doc := svgDoc{}
	rounds := fmt.Sprintf("median of %d rounds", r.Config.Rounds)
	if r.Config.Rounds == 1 {
		rounds = "1 round"
	}
	doc.Title = fmt.Sprintf("%s: throughput in ops/s, %s (higher is better)", orDefault(r.Tool, "flinbench"), rounds)
	doc.Sub1 = r.Config.Summary()
	doc.Sub2 = r.Machine.String()
	y := float64(headerH)
	for i, t := range r.Targets {
		text := fmt.Sprintf("%s: %s at %s", t.Name, t.Server, t.Addr)
		if t.Name == r.Baseline {
			text += " (baseline)"
		}
		ty := y + float64(i*legendRowH)
		doc.LegendSwatch = append(doc.LegendSwatch, svgRect{X: marginL, Y: ty - 10, W: 12, H: 12, Color: color[t.Name]})
		doc.Legend = append(doc.Legend, svgText{X: marginL + 18, Y: ty, Text: text})
	}
	y += float64(len(r.Targets) * legendRowH)
	if len(targets) > 1 {
		doc.Legend = append(doc.Legend, svgText{X: marginL, Y: y,
			Text: fmt.Sprintf("Under each group, in the colour of each other target: its ops/s ÷ %s's ops/s.", r.Baseline)})
		y += legendRowH
	}
	y += 8

	// Wide enough for the bars and for the header text, whose width is estimated (no font metrics).
	width := max(minWidth, marginL+int(math.Ceil(groupW*float64(maxGroups)))+marginR,
		marginL+textWidth(doc.Title, 16)+marginR, marginL+textWidth(doc.Sub1, 11)+marginR,
		marginL+textWidth(doc.Sub2, 11)+marginR)
	for _, l := range doc.Legend {
		width = max(width, int(l.X)+textWidth(l.Text, 12)+marginR)
	}
	doc.W = width
	// Groups share the plot width; the bars keep their width, centred in their slot.
	slotW := float64(width-marginL-marginR) / float64(maxGroups)

	others := 0
	for _, t := range targets {
		if t != r.Baseline {
			others++
		}
	}
	labelLines := 2 + others
	for _, depth := range depths {
		gs := panels[depth]
		p := svgPanel{X0: marginL, X1: float64(width - marginR)}
		p.Title = svgText{X: marginL, Y: y + 16, Text: fmt.Sprintf("pipeline depth %d", depth), Bold: true}
		p.Y0 = y + panelTopH
		p.Y1 = p.Y0 + plotH
		top := 0.0
		for _, g := range gs {
			for _, row := range g.rows {
				top = math.Max(top, row.OpsPerSec)
			}
		}
		step, top := niceScale(top)
		for v := 0.0; v <= top+step/2; v += step {
			p.Ticks = append(p.Ticks, svgTick{Y: p.Y1 - v/top*plotH, Label: shortNumber(v)})
		}
		for gi, g := range gs {
			center := p.X0 + (float64(gi)+0.5)*slotW
			gx := center - (groupW-groupPad)/2
			name := g.key.Workload
			if g.key.Batch > 0 {
				name = fmt.Sprintf("%s(%d)", name, g.key.Batch)
			}
			ly := p.Y1 + lineH + 2
			p.Labels = append(p.Labels,
				svgText{X: center, Y: ly, Text: name, Anchor: "middle", Bold: true},
				svgText{X: center, Y: ly + lineH, Text: fmt.Sprintf("%d clients", g.key.Clients), Anchor: "middle"})
			ly += 2 * lineH
			for ti, t := range targets {
				row, ok := g.rows[t]
				if !ok {
					continue
				}
				h := row.OpsPerSec / top * plotH
				bx := gx + float64(ti*(barW+barGap))
				p.Bars = append(p.Bars, svgRect{
					X: bx, Y: p.Y1 - h, W: barW, H: h, Color: color[t],
					Tooltip: fmt.Sprintf("%s, %s: %s ops/s, p50 %s ms, p99 %s ms, p99.9 %s ms",
						t, g.key, Thousands(row.OpsPerSec), ms(row.Latency.P50), ms(row.Latency.P99), ms(row.Latency.P999)),
				})
				p.Values = append(p.Values, svgText{X: bx + barW/2, Y: p.Y1 - h - 4, Text: shortNumber(row.OpsPerSec), Anchor: "middle"})
				if t == r.Baseline {
					continue
				}
				ratio := "n/a"
				if row.Ratio > 0 {
					ratio = strconv.FormatFloat(row.Ratio, 'f', 2, 64) + "×"
				}
				p.Labels = append(p.Labels, svgText{X: center, Y: ly, Text: ratio, Anchor: "middle", Color: color[t], Bold: true})
				ly += lineH
			}
		}
		doc.Panels = append(doc.Panels, p)
		y = p.Y1 + float64(labelLines*lineH) + panelGapH + 6
	}
	doc.H = int(math.Ceil(y))
	return doc
}

// textWidth estimates the width of s in a sans-serif font of size px: about 0.6 em a character,
// generous for lower case so that text rather errs on the side of room to spare.
func textWidth(s string, px float64) int {
	return int(math.Ceil(float64(len([]rune(s))) * px * 0.6))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// niceScale picks a tick step of 1, 2, 2.5 or 5 times a power of ten giving about four ticks, and
// the top of the axis: the first multiple of the step at or above max.
func niceScale(maxV float64) (step, top float64) {
	if maxV <= 0 || math.IsNaN(maxV) || math.IsInf(maxV, 0) {
		return 1, 4
	}
	raw := maxV / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	return step, math.Ceil(maxV/step-1e-9) * step
}

// shortNumber formats a throughput compactly: 950, 12.3k, 123k, 1.23M.
func shortNumber(v float64) string {
	switch {
	case v >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 2, 64)) + "M"
	case v >= 1e5:
		return strconv.FormatFloat(v/1e3, 'f', 0, 64) + "k"
	case v >= 1e3:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "k"
	default:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

var svgTemplate = template.Must(template.New("svg").Funcs(template.FuncMap{
	"esc": xmlEscape, "n": num,
	"marginL": func() int { return marginL },
	"add":     func(a, b float64) float64 { return a + b },
	"sub":     func(a, b float64) float64 { return a - b },
}).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">
<rect x="0" y="0" width="{{.W}}" height="{{.H}}" fill="#ffffff"/>
<text x="{{marginL}}" y="24" font-size="16" font-weight="bold" fill="#222">{{esc .Title}}</text>
<text x="{{marginL}}" y="42" font-size="11" fill="#555">{{esc .Sub1}}</text>
<text x="{{marginL}}" y="58" font-size="11" fill="#555">{{esc .Sub2}}</text>
{{range .LegendSwatch}}<rect x="{{n .X}}" y="{{n .Y}}" width="{{n .W}}" height="{{n .H}}" fill="{{.Color}}"/>
{{end}}{{range .Legend}}<text x="{{n .X}}" y="{{n .Y}}" fill="#222">{{esc .Text}}</text>
{{end}}{{range .Panels}}<g>
<text x="{{n .Title.X}}" y="{{n .Title.Y}}" font-size="13" font-weight="bold" fill="#222">{{esc .Title.Text}}</text>
{{$p := .}}{{range .Ticks}}<line x1="{{n $p.X0}}" y1="{{n .Y}}" x2="{{n $p.X1}}" y2="{{n .Y}}" stroke="#e3e3e3"/>
<text x="{{n (sub $p.X0 6)}}" y="{{n (add .Y 4)}}" text-anchor="end" font-size="10" fill="#666">{{esc .Label}}</text>
{{end}}<line x1="{{n .X0}}" y1="{{n .Y1}}" x2="{{n .X1}}" y2="{{n .Y1}}" stroke="#888"/>
{{range .Bars}}<rect x="{{n .X}}" y="{{n .Y}}" width="{{n .W}}" height="{{n .H}}" fill="{{.Color}}"><title>{{esc .Tooltip}}</title></rect>
{{end}}{{range .Values}}<text x="{{n .X}}" y="{{n .Y}}" text-anchor="middle" font-size="10" fill="#222">{{esc .Text}}</text>
{{end}}{{range .Labels}}<text x="{{n .X}}" y="{{n .Y}}" text-anchor="{{or .Anchor "start"}}"{{if .Bold}} font-weight="bold"{{end}} fill="{{or .Color "#222"}}">{{esc .Text}}</text>
{{end}}</g>
{{end}}</svg>
`))
