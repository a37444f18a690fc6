"""The five steps of the seed, each a built-in plugin registered through the public hooks.

=====================  ======================================  ==============
step id                French title                            legal phase
=====================  ======================================  ==============
preparation            Préparation du bilan                    preliminary
needs_analysis         Analyse des besoins et des attentes     investigation
skills_exploration     Exploration des compétences             investigation
career_options         Identification de pistes d'orientation  investigation
action_plan            Conclusion et plan d'action             conclusions
=====================  ======================================  ==============
"""
